"""The typefaces of a 公文 (GB/T 9704-2012): each part of the page names the font offices' machines
have, the fonts that stand in for it where they are missing, and the open font the PDF embeds.
One table for the three renderings: the .docx names the standard font (and the first stand-in
as its alternative), the HTML page lists them all for the browser, the PDF embeds a subset of
Noto Serif SC or Noto Sans SC (SIL OFL 1.1, from the pylopdf-fonts-zh-cn wheel; no system fonts)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pylopdf_fonts_zh_cn


class Embedded(Enum):
    """The open fonts the PDF embeds (as subsets: only the glyphs a document uses)."""

    SERIF = "NotoSerifSC"
    SANS = "NotoSansSC"

    @property
    def path(self) -> Path:
        return pylopdf_fonts_zh_cn.serif_path() if self is Embedded.SERIF else pylopdf_fonts_zh_cn.sans_path()


@dataclass(frozen=True)
class Face:
    standard: str  # the name GB/T 9704 and offices use
    stand_ins: tuple[str, ...]  # in order: common system fonts, then open ones
    generic: str  # the CSS generic family; the .docx's w:family
    embedded: Embedded
    heavy: bool = False  # the PDF strokes the outline too: 小标宋 and 黑体 are heavy faces, the open fonts embedded are regular

    @property
    def css(self) -> str:
        """The CSS font-family list (the templates print it unescaped: our own constants)."""
        return ", ".join([*(f'"{name}"' for name in (self.standard, *self.stand_ins)), self.generic])


_OPEN_SERIF = ("Noto Serif CJK SC", "Noto Serif SC", "Source Han Serif SC")
_OPEN_SANS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC")

XIAOBIAOSONG = Face("方正小标宋简体", ("华文中宋", "STZhongsong", "宋体", "SimSun", *_OPEN_SERIF), "serif", Embedded.SERIF, heavy=True)
FANGSONG = Face("仿宋_GB2312", ("仿宋", "FangSong", "STFangsong", *_OPEN_SERIF), "serif", Embedded.SERIF)
HEITI = Face("黑体", ("SimHei", "STHeiti", *_OPEN_SANS), "sans-serif", Embedded.SANS, heavy=True)
KAITI = Face("楷体_GB2312", ("楷体", "KaiTi", "STKaiti", "LXGW WenKai", *_OPEN_SERIF), "serif", Embedded.SERIF)
SONGTI = Face("宋体", ("SimSun", "STSong", *_OPEN_SERIF), "serif", Embedded.SERIF)  # page numbers

FACES = (XIAOBIAOSONG, FANGSONG, HEITI, KAITI, SONGTI)
