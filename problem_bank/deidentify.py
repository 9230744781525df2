"""De-identification (脱敏) of typical-case bulletins.

One mask table per bulletin: every name the system knows of the publisher's subtree — offices
(双峰县 and its short form 双峰), units (双峰县卫生健康局, its stem 卫生健康局, the usual
abbreviations 卫健局 and 双峰卫健局), persons, credit codes and finding codes — is replaced
wherever a recipient reads it, in the house style of 通报:

    双峰县卫生健康局 / 双峰卫健局 → 某县某局     双峰县 / 双峰 → 某县     卫健局 → 某局
    张三 → 张某某 (a second 张 in the same bulletin: 张某甲, 张某乙, …; or 某甲, 某乙 by choice)

A placeholder says what kind of body it stands for (its office's level, the unit's type), never
which one. The same person has the same placeholder throughout a bulletin and two persons never
share one (numbered in the order they first appear). Matching covers as much of the text as it
can with as few names as it can, so 双峰县财政局 becomes 某县某局 and not 某县财政局.

What a text keeps (a named case's own unit and persons; terms the composer marked as not
identifying) is never replaced, and nothing of it is taken for part of another name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from tenants.labelled import Labelled

LEVEL_PLACEHOLDERS = {"province": "某省", "city": "某市", "county": "某县"}
LEVEL_CHARACTERS = {"province": "省", "city": "市", "county": "县"}

# What a unit of each type (backend.units.models.UnitType) is called once anonymous.
UNIT_TYPE_PLACEHOLDERS = {
    "党的机关": "某委",
    "人大机关": "人大某机关",
    "政府机关": "某局",
    "政协机关": "政协某机关",
    "监察机关": "某监察机关",
    "审判机关": "某法院",
    "检察机关": "某检察院",
    "群团机关": "某群团组织",
    "民主党派和工商联机关": "某民主党派机关",
    "事业单位": "某事业单位",
}
ORDINALS = "甲乙丙丁戊己庚辛壬癸"
CODE_PLACEHOLDER = "（代码略）"
ID_NUMBER_PLACEHOLDER = "（身份证号略）"

# The usual short names of units' stems (the name without its office), as offices write them.
# A county's 人民医院 is 县医院, a city's 市医院: see unit_forms.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "发展和改革局": ("发改局",),
    "发展和改革委员会": ("发改委",),
    "教育体育局": ("教体局",),
    "科学技术局": ("科技局",),
    "工业和信息化局": ("工信局",),
    "人力资源和社会保障局": ("人社局",),
    "自然资源和规划局": ("自规局", "自然资源局"),
    "生态环境局": ("环保局",),
    "住房和城乡建设局": ("住建局",),
    "交通运输局": ("交通局",),
    "农业农村局": ("农业局",),
    "文化旅游广电体育局": ("文旅广体局", "文旅局"),
    "文化旅游广电局": ("文旅广电局", "文旅局"),
    "文化和旅游局": ("文旅局",),
    "卫生健康局": ("卫健局",),
    "卫生健康委员会": ("卫健委",),
    "退役军人事务局": ("退役军人局",),
    "应急管理局": ("应急局",),
    "市场监督管理局": ("市场监管局", "市监局"),
    "医疗保障局": ("医保局",),
    "城市管理和综合执法局": ("城管局",),
    "城市管理综合执法局": ("城管局",),
    "行政审批服务局": ("审批局",),
    "机构编制委员会办公室": ("编办",),
    "纪律检查委员会": ("纪委",),
    "统一战线工作部": ("统战部",),
    "政法委员会": ("政法委",),
    "人民政府办公室": ("政府办",),
    "人民法院": ("法院",),
    "人民检察院": ("检察院",),
    "中医医院": ("中医院",),
    "第一中学": ("一中",),
}

# The 56 nationalities' names, to cut an autonomous region's short form: 湘西土家族苗族自治州 → 湘西.
NATIONALITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
_NATIONALITY = re.compile("|".join(sorted(NATIONALITIES, key=len, reverse=True)))
_OFFICE_SUFFIX = re.compile("(?:特别行政区|自治区|自治州|自治县|自治旗|林区|特区|地区|省|市|县|区|州|盟|旗)$")

# Surnames, for the 张某某 style and for spotting what looks like a person's name.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "令狐",
        "澹台",
        "端木",
        "轩辕",
        "呼延",
        "南宫",
        "西门",
    ]
)
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"
    "夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷"
    "詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农"
    "司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝"
)
# Posts written next to a person's name (局长张三, 张三同志): where a name may hide unregistered.
POSTS = [
    "主要负责人",
    "负责人",
    "党组书记",
    "副书记",
    "书记",
    "副局长",
    "局长",
    "副主任",
    "主任",
    "副科长",
    "科长",
    "副处长",
    "处长",
    "股长",
    "副院长",
    "院长",
    "校长",
    "所长",
    "站长",
    "队长",
    "部长",
    "副县长",
    "县长",
    "副市长",
    "市长",
    "主席",
    "委员",
    "干部",
    "职工",
    "工作人员",
    "时任",
]
_HAN = "\u4e00-\u9fff"
_AFTER_NAME = "，。、；：,;:\\s（(在对负等作已要为是和与因被将说表向同"  # what follows a name in running text
_SURNAME = "(?:" + "|".join([*sorted(COMPOUND_SURNAMES), *sorted(COMMON_SURNAMES)]) + ")"
_NAME_AFTER_POST = re.compile(f"(?:{'|'.join(sorted(POSTS, key=len, reverse=True))})({_SURNAME}[{_HAN}]{{1,2}})(?=[{_AFTER_NAME}]|$)")
_NAME_BEFORE_COMRADE = re.compile(f"({_SURNAME}[{_HAN}]{{1,2}})同志")
_PERSON_NAME = re.compile(f"[{_HAN}]{{2,4}}")
_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


class TermKind(Labelled):
    OFFICE = "office", "机构名称"
    UNIT = "unit", "单位名称"
    PERSON = "person", "人名"
    CODE = "code", "代码或编号"


class PersonStyle(Labelled):
    """How persons are masked (configurable per bulletin)."""

    SURNAME = "surname", "保留姓氏（张某某）"
    ORDINAL = "ordinal", "不留姓氏（某甲、某乙）"


@dataclass(frozen=True)
class KnownUnit:
    name: str
    unit_type: str
    office_name: str
    level: str  # of the unit's office


@dataclass
class Known:
    """Every name the system knows of a publisher's subtree."""

    offices: list[tuple[str, str]] = field(default_factory=list)  # (name, level), the publisher itself excluded
    units: list[KnownUnit] = field(default_factory=list)
    persons: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)  # credit codes, finding codes
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (another name of a unit, its placeholder)


@dataclass(frozen=True)
class Term:
    kind: TermKind
    placeholder: str | None  # None: a person's, given in order of appearance


@dataclass(frozen=True)
class Mask:
    term: str
    placeholder: str
    kind: TermKind


@dataclass(frozen=True)
class Passage:
    """One text a recipient reads, and the names it shows as they are (a named case's own)."""

    text: str
    keep: frozenset[str] = frozenset()


def office_forms(name: str) -> list[str]:
    """双峰县 → [双峰县, 双峰]; 湘西土家族苗族自治州 → [湘西土家族苗族自治州, 湘西]."""
    short = _OFFICE_SUFFIX.sub("", name)
    if nationality := _NATIONALITY.search(short):
        short = short[: nationality.start()]
    return [name, short] if len(short) >= 2 and short != name else [name]


def unit_stem(name: str, office_name: str) -> str | None:
    """The unit's own name after its office's: 双峰县财政局 → 财政局, 中共双峰县委组织部 → 组织部
    (None when the name does not begin with its office's)."""
    forms = office_forms(office_name)
    prefixes = {*forms, *(f"中共{form}" for form in forms), f"{office_name}委", f"中共{office_name}委"}
    for prefix in sorted(prefixes, key=len, reverse=True):
        if name.startswith(prefix) and len(name) - len(prefix) >= 2:
            return name[len(prefix) :]
    return None


def stem_abbreviations(stem: str, level: str) -> tuple[str, ...]:
    if stem == "人民医院":
        return (LEVEL_CHARACTERS.get(level, "") + "医院",)
    return ABBREVIATIONS.get(stem, ())


def unit_placeholder(level: str, unit_type: str) -> str:
    """某县某局: the level of the unit's office, then its type."""
    return LEVEL_PLACEHOLDERS[level] + type_placeholder(unit_type)


def type_placeholder(unit_type: str) -> str:
    return UNIT_TYPE_PLACEHOLDERS.get(unit_type, "某单位")


def unit_forms(unit: KnownUnit) -> tuple[list[str], list[str]]:
    """The ways a text names the unit: with its office (双峰县卫健局, 双峰卫健局), and bare (卫健局)."""
    stem = unit_stem(unit.name, unit.office_name)
    if stem is None:
        return [unit.name], []
    bare = [stem, *stem_abbreviations(stem, unit.level)]
    return [unit.name, *(office + form for office in office_forms(unit.office_name) for form in bare)], bare


def person_names(entry: str) -> list[str]:
    """The persons' names an entry holds (张三、李四 → both); posts and longer texts are not names."""
    return [part for part in re.split(r"[、,，;；/\s()（）]+", entry) if _PERSON_NAME.fullmatch(part) and part not in POSTS]


def surname_of(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[0]


class MaskTable:
    """The names to replace, and where they are in a text (a first-character index of the lengths to try)."""

    def __init__(self, terms: dict[str, Term]) -> None:
        self.terms = terms
        lengths: dict[str, set[int]] = {}
        for term in terms:
            lengths.setdefault(term[0], set()).add(len(term))
        self._lengths = {first: sorted(found, reverse=True) for first, found in lengths.items()}

    @classmethod
    def of(cls, known: Known, open_terms: Iterable[str] = ()) -> MaskTable:
        """From what is known: persons, then offices, then units (a unit's name wins over an
        office's or a person's equal to it), less the terms marked as not identifying and the
        words placeholders are made of (检察院 in 某检察院 names no one)."""
        terms: dict[str, Term] = {}
        for entry in known.persons:
            for name in person_names(entry):
                terms[name] = Term(TermKind.PERSON, None)
        for code in known.codes:
            terms[code] = Term(TermKind.CODE, CODE_PLACEHOLDER)
        for name, level in known.offices:
            for form in office_forms(name):
                terms[form] = Term(TermKind.OFFICE, LEVEL_PLACEHOLDERS[level])
        for unit in known.units:
            named, bare = unit_forms(unit)
            for form in bare:
                terms.setdefault(form, Term(TermKind.UNIT, type_placeholder(unit.unit_type)))
            for form in named:
                terms[form] = Term(TermKind.UNIT, unit_placeholder(unit.level, unit.unit_type))
        for alias, placeholder in known.aliases:
            terms[alias] = Term(TermKind.UNIT, placeholder)
        for term in open_terms:
            terms.pop(term, None)
        generic = {found.placeholder for found in terms.values() if found.placeholder}
        return cls({term: found for term, found in terms.items() if len(term) >= 2 and not any(term in p for p in generic)})

    def find(self, text: str) -> Iterator[tuple[int, int]]:
        """The (start, end) of every name in `text`, not overlapping: those covering the most of the
        text, and of those the fewest, longest first (双峰县财政局 is one name, not 双峰县 and 财政局).
        Taking the leftmost-longest name at each step is not enough: in 娄底市场监督管理局 it takes
        娄底市 and leaves 场监督管理局, so the placeholder makes 某市场监督管理局; 娄底 and 市场监督管理局
        hide both."""
        # best[i]: (characters covered, minus the names used) for text[i:]; take[i]: the length of the name at i (0: none)
        best = [(0, 0)] * (len(text) + 1)
        take = [0] * (len(text) + 1)
        for start in range(len(text) - 1, -1, -1):
            best[start] = best[start + 1]
            for length in self._lengths.get(text[start], ()):  # longest first: it wins a tie
                if start + length <= len(text) and text[start : start + length] in self.terms:
                    covered, names = best[start + length]
                    if (covered + length, names - 1) > best[start]:
                        best[start], take[start] = (covered + length, names - 1), length
        at = 0
        while at < len(text):
            if take[at]:
                yield at, at + take[at]
                at += take[at]
            else:
                at += 1


@dataclass(frozen=True)
class Rendering:
    texts: list[str]
    masks: list[Mask]  # the bulletin's table: what was replaced, in order of first appearance


def deidentify(passages: Sequence[Passage], table: MaskTable, style: PersonStyle = PersonStyle.SURNAME) -> Rendering:
    """Every passage with the table's names replaced (those it keeps excepted), persons numbered
    across all passages in the order they first appear; 身份证号 are always replaced."""
    found = [[(start, end, passage.text[start:end]) for start, end in table.find(passage.text)] for passage in passages]
    persons = list(
        dict.fromkeys(
            term
            for passage, matches in zip(passages, found, strict=True)
            for _, _, term in matches
            if table.terms[term].kind is TermKind.PERSON and term not in passage.keep
        )
    )
    person_masks = _person_placeholders(persons, style)
    texts: list[str] = []
    used: dict[str, Mask] = {}
    for passage, matches in zip(passages, found, strict=True):
        parts, at = [], 0
        for start, end, term in matches:
            if term in passage.keep:
                continue
            kind = table.terms[term].kind
            placeholder = person_masks[term] if kind is TermKind.PERSON else table.terms[term].placeholder
            assert placeholder is not None
            parts += [passage.text[at:start], placeholder]
            used.setdefault(term, Mask(term, placeholder, kind))
            at = end
        parts.append(passage.text[at:])
        texts.append(_ID_NUMBER.sub(ID_NUMBER_PLACEHOLDER, "".join(parts)))
    return Rendering(texts, list(used.values()))


def _person_placeholders(persons: list[str], style: PersonStyle) -> dict[str, str]:
    if style is PersonStyle.ORDINAL:
        return {name: f"某{_ordinal(index)}" for index, name in enumerate(persons)}
    by_surname: dict[str, list[str]] = {}
    for name in persons:
        by_surname.setdefault(surname_of(name), []).append(name)
    return {
        name: f"{surname}某某" if len(names) == 1 else f"{surname}某{_ordinal(index)}"
        for surname, names in by_surname.items()
        for index, name in enumerate(names)
    }


def _ordinal(index: int) -> str:
    return ORDINALS[index] if index < len(ORDINALS) else f"{index + 1}"


def remaining(passages: Sequence[Passage], texts: Sequence[str], table: MaskTable) -> list[str]:
    """Known names still in rendered `texts` that their passage does not keep (none, unless the
    rendering was wrong): what refuses a submission."""
    return list(
        dict.fromkeys(
            text[start:end]
            for passage, text in zip(passages, texts, strict=True)
            for start, end in table.find(text)
            if text[start:end] not in passage.keep
        )
    )


def suspected_names(text: str) -> list[str]:
    """Runs that look like a person's name (局长王文华, 王文华同志) the table does not know."""
    return list(
        dict.fromkeys(
            m.group(1) for pattern in (_NAME_AFTER_POST, _NAME_BEFORE_COMRADE) for m in pattern.finditer(text) if "某" not in m.group(1)
        )
    )
