"""A minimal violation taxonomy (category → kind → manifestation) until the problem bank's
versioned, shared taxonomy replaces it. Codes are validated against it all the same."""

from __future__ import annotations

TAXONOMY_VERSION = "seed-1"

# code → name. A category is `Cnn`, a kind `Cnn.Knn`, a manifestation `Cnn.Knn.Mnn`;
# findings are coded with manifestations.
TAXONOMY: dict[str, str] = {
    "C01": "违反党管机构编制原则",
    "C01.K01": "机构编制事项未按程序动议论证报批",
    "C01.K01.M01": "未经集体研究决定机构编制事项",
    "C01.K01.M02": "未按规定报批即调整机构编制",
    "C02": "违规设置机构",
    "C02.K01": "擅自设立机构",
    "C02.K01.M01": "自行设立议事协调机构",
    "C02.K02": "超限额设置内设机构",
    "C02.K02.M01": "内设机构数量超过核定限额",
    "C02.K03": "挂牌机构实体化",
    "C02.K03.M01": "挂牌机构单独配备人员",
    "C03": "超编进人与超职数配备干部",
    "C03.K01": "超编进人",
    "C03.K01.M01": "实有人数超过核定编制数",
    "C03.K02": "超职数配备干部",
    "C03.K02.M01": "领导干部配备超过核定职数",
    "C03.K03": "超规格配备",
    "C03.K03.M01": "擅自提高机构规格或干部职级",
    "C04": "编制使用管理不规范",
    "C04.K01": "在编不在岗",
    "C04.K01.M01": "在编人员长期不在岗",
    "C04.K02": "长期借调抽调",
    "C04.K02.M01": "借调人员超过规定期限未返岗",
    "C04.K03": "实名制信息不准确或未及时更新",
    "C04.K03.M01": "实名制系统人员信息与实际不符",
    "C05": "违反“三定”规定",
    "C05.K01": "违反“三定”规定调整职责",
    "C05.K01.M01": "擅自调整部门职责",
    "C05.K02": "条条干预",
    "C05.K02.M01": "上级部门违规要求设置对应机构",
}


def is_manifestation(code: str) -> bool:
    return code in TAXONOMY and code.count(".") == 2
