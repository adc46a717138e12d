"""Service mixes of other halls than the city's main one (`day.MIX`), by name.

A `HallConfig` picks its mix by name (`HallConfig.mix`): "catalogue" is the
main hall's (`day.MIX`); the others are here. Weights are relative daily
volumes per walk-in service; a walk-in item not listed weighs `day.DEFAULT_WEIGHT`.
"""

from collections.abc import Mapping

# A traffic-police hall (车管所 branch): driving-licence and vehicle items are
# four fifths of the day, with long vehicle registrations and transfers among
# them; ID cards and permits are the odd visitor who came to the wrong hall.
TRAFFIC: Mapping[str, float] = {
    "JSR-QM-HZ": 14,  # 驾驶证期满换证
    "JSR-WF-CL": 10,  # 交通违法处理
    "JSR-TJ-ZM": 6,
    "JSR-YS-BZ": 4,
    "JSR-SH-HZ": 2,
    "JSR-ZR-HZ": 3,
    "JSR-XX-BA": 2,
    "JSR-YQ-HZ": 2,
    "JSR-HF-ZG": 1,
    "JDC-ZC-DJ": 8,  # 机动车注册登记
    "JDC-ZY-DJ": 8,  # 机动车转移登记（过户）
    "JDC-BG-DJ": 2,
    "JDC-DY-DJ": 3,
    "JDC-DY-JC": 3,
    "JDC-JY-BZ": 5,
    "JDC-LS-HP": 3,
    "JDC-BL-HP": 2,
    "JDC-BL-XSZ": 2,
    "JDC-BL-DJZS": 1,
    "JDC-ZX-DJ": 2,
    "HZ-SFZ-HL": 2,
    "CRJ-GA-QZ": 1,
    "ZA-WFZ-ZM": 1,
}

OTHER_MIXES: Mapping[str, Mapping[str, float]] = {"traffic": TRAFFIC}
