"""A deterministic, realistic demo data account: Shenzhen enterprises and citizens.

Same seed, same profiles. The distributions are plausible, not statistics: districts weighted by the
size of their economies, industries with their usual qualifications and scale, citizens with a mix of
深户 and 非深户, ages, schooling and social insurance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any, Dict, Iterator, List, Sequence, Tuple

from eligibility.profiles.ids import citizen_check_char, org_check_char, uscc_check_char

DISTRICTS: List[Tuple[str, str, float]] = [  # name, administrative code, weight
    ("南山区", "440305", 0.16), ("宝安区", "440306", 0.18), ("龙岗区", "440307", 0.17), ("龙华区", "440309", 0.14),
    ("福田区", "440304", 0.10), ("罗湖区", "440303", 0.06), ("光明区", "440311", 0.07), ("坪山区", "440310", 0.05),
    ("盐田区", "440308", 0.03), ("大鹏新区", "440307", 0.02),
]
# section, division, division name, tags, stats category, weight, revenue scale (万元), high-tech propensity
INDUSTRIES: List[Tuple[str, str, str, Tuple[str, ...], str, float, float, float]] = [
    ("I", "I65", "软件和信息技术服务业", ("软件", "新兴产业"), "规上软件和信息服务业", 0.14, 3000, 0.45),
    ("I", "I64", "互联网和相关服务", ("互联网", "新兴产业"), "规模以上服务业(含文化、体育企业)", 0.06, 4000, 0.35),
    ("C", "C39", "计算机、通信和其他电子设备制造业", ("半导体与集成电路", "新兴产业"), "规模以上工业", 0.13, 12000, 0.5),
    ("C", "C38", "电气机械和器材制造业", ("新能源", "新兴产业"), "规模以上工业", 0.07, 9000, 0.4),
    ("C", "C34", "通用设备制造业", ("智能制造",), "规模以上工业", 0.05, 6000, 0.3),
    ("C", "C37", "铁路、船舶、航空航天和其他运输设备制造业", ("低空经济", "未来产业"), "规模以上工业", 0.02, 8000, 0.45),
    ("F", "F51", "批发业", ("商贸",), "限额以上批发", 0.12, 5000, 0.02),
    ("F", "F52", "零售业", ("商贸",), "限额以上零售", 0.10, 2500, 0.01),
    ("H", "H62", "餐饮业", ("餐饮",), "限额以上餐饮", 0.07, 800, 0.0),
    ("H", "H61", "住宿业", ("住宿",), "限额以上住宿", 0.02, 1500, 0.0),
    ("L", "L72", "商务服务业", ("商务服务",), "规模以上服务业(含文化、体育企业)", 0.08, 1500, 0.03),
    ("M", "M73", "研究和试验发展", ("科技服务",), "规模以上服务业(含文化、体育企业)", 0.04, 1800, 0.6),
    ("G", "G58", "多式联运和运输代理业", ("物流",), "规模以上服务业(含文化、体育企业)", 0.04, 3500, 0.02),
    ("E", "E48", "土木工程建筑业", ("建筑",), "规模以上服务业(含文化、体育企业)", 0.03, 7000, 0.05),
    ("O", "O80", "居民服务业", ("居民服务",), "规模以上服务业(含文化、体育企业)", 0.03, 600, 0.0),
]
SIZES = [("微型", 0.52, 0.06), ("小型", 0.30, 0.4), ("中型", 0.13, 3.0), ("大型", 0.05, 25.0)]
NAME_WORDS = ["华", "兴", "达", "创", "盛", "科", "信", "联", "安", "泰", "鹏", "海", "智", "汇", "通", "明", "源", "宏", "锐", "新", "启", "云", "星", "博", "德", "鑫", "瑞", "恒", "嘉", "永", "航", "芯", "拓", "辰", "卓", "峰"]
INDUSTRY_WORDS = {"I": "信息技术", "C": "电子科技", "F": "贸易", "H": "餐饮管理", "L": "商务咨询", "M": "技术研究院",
                  "G": "供应链", "E": "建设工程", "O": "家政服务"}
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "邓", "冯", "韩", "曹"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "鹏", "辉", "婷", "宇", "浩", "欣", "怡", "晨", "思", "雨", "梓", "涵", "轩"]
OTHER_REGIONS = ["430102", "360102", "450102", "510104", "420102", "410102", "350102", "440101", "441502", "445202",
                 "441302", "110101", "320102", "500101"]
PROVINCE_OF = {"43": "湖南", "36": "江西", "45": "广西", "51": "四川", "42": "湖北", "41": "河南", "35": "福建", "44": "广东",
               "11": "北京", "32": "江苏", "50": "重庆"}
EDUCATION = [("初中及以下", 0.18), ("高中", 0.13), ("中专", 0.12), ("大专", 0.2), ("本科", 0.27), ("硕士", 0.08),
             ("博士", 0.02)]
ENTERPRISE_SOURCES = ("registration", "tax", "statistics", "social_insurance", "certification", "credit", "ip")
CITIZEN_SOURCES = ("public_security", "social_insurance", "education", "employment", "talent", "civil_affairs",
                   "housing", "health", "credit")


def demo_mobile(profile_id: str) -> str:
    """The data account's mobile number of a demo profile: fixed by its id (13x-19x, 11 digits)."""
    digest = hashlib.sha256(f"mobile:{profile_id}".encode()).hexdigest()
    return "1" + "3456789"[int(digest[0], 16) % 7] + str(int(digest[1:12], 16) % 10**9).zfill(9)


def _pick(rng: random.Random, items: Sequence[Any], weight_index: int) -> Any:
    x = rng.random() * sum(i[weight_index] for i in items)
    for item in items:
        x -= item[weight_index]
        if x <= 0:
            return item
    return items[-1]


def make_uscc(rng: random.Random, region: str) -> str:
    org = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    body = "91" + region + org + org_check_char(org)
    return body + uscc_check_char(body)


def make_citizen_id(region: str, birth: dt.date, seq: int, female: bool) -> str:
    order = (seq % 500) * 2 + (0 if female else 1)
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + citizen_check_char(first17)


def _sync_times(rng: random.Random, sources: Sequence[str], as_of: dt.date) -> Dict[str, str]:
    base = dt.datetime.combine(as_of, dt.time(2, 0))
    return {s: (base - dt.timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600))).isoformat(timespec="seconds")
            for s in sources}


def enterprise(rng: random.Random, as_of: dt.date) -> Dict[str, Any]:
    district, code, _ = _pick(rng, DISTRICTS, 2)
    section, division, div_name, tags, stats_cat, _, scale, hightech = _pick(rng, INDUSTRIES, 5)
    size, _, size_factor = _pick(rng, SIZES, 1)
    revenue = round(scale * size_factor * rng.lognormvariate(0, 0.6), 1)
    established = as_of - dt.timedelta(days=rng.randint(60, 30 * 365))
    years = round((as_of - established).days / 365.25, 2)
    tech = rng.random() < hightech * (0.5 if size == "微型" else 1.0)
    quals: List[str] = []
    events: List[str] = []
    if tech:
        quals.append("国家高新技术企业")
        r = rng.random()
        if r < 0.25:
            events.append("首次认定国家高新技术企业")
        elif r < 0.45:
            events.append("再次认定国家高新技术企业")
    if hightech > 0.2 and size != "大型" and rng.random() < 0.4:
        quals.append("科技型中小企业")
    if size in ("小型", "中型") and rng.random() < hightech * 0.4:
        quals.append("创新型中小企业")
        if rng.random() < 0.45:
            quals.append("专精特新中小企业")
            if rng.random() < 0.35:
                quals.append("省级专精特新中小企业")
                if rng.random() < 0.25:
                    quals.append("国家专精特新小巨人")
    if section == "F" and size in ("中型", "大型") and rng.random() < 0.3:
        quals.append("对外贸易经营者备案")
    if size == "大型" and rng.random() < 0.3:
        quals.append(f"{district}总部企业")
    in_stats = size != "微型" and rng.random() < (0.35 if size == "小型" else 0.9)
    first_year = rng.randint(max(2010, established.year), as_of.year) if in_stats else None
    rd = round(revenue * rng.uniform(0.03, 0.12), 1) if (tech or hightech > 0.3) else round(revenue * rng.uniform(0, 0.01), 1)
    operating = district if rng.random() < 0.9 else _pick(rng, DISTRICTS, 2)[0]
    values: Dict[str, Any] = {
        "registered_city": "深圳市", "operating_city": "深圳市",
        "registered_district": district, "operating_district": operating,
        "tax_district": district if rng.random() < 0.95 else operating,
        "in_stats_direct_report": in_stats, "stats_district": district if in_stats else "",
        "stats_category": stats_cat if in_stats else "", "stats_first_included_year": first_year,
        "stats_inclusion_is_transfer": (rng.random() < 0.05) if in_stats else None,
        "is_independent_legal_person": rng.random() < 0.95, "enterprise_size": size,
        "ownership_or_size": ("民营企业",) + (("中小企业",) if size != "大型" else ()),
        "establishment_date": established, "years_since_establishment": years,
        "years_operating_in_district": round(min(years, years * rng.uniform(0.5, 1.0)), 1),
        "paid_in_capital_wan": round(max(10.0, revenue * rng.uniform(0.05, 0.4)), 0),
        "industry_code_gb4754": (section, division, division + div_name), "industry_tags": tags,
        "industry_policy_status": ("符合龙华区产业导向",) if district == "龙华区" and hightech > 0.2 else (),
        "qualifications": tuple(quals), "recognition_events": tuple(events), "received_subsidies": (),
        "credit_flags": ("严重失信主体名单",) if rng.random() < 0.01 else (),
        "years_since_last_major_violation": 99 if rng.random() < 0.97 else rng.randint(0, 5),
        "listing_stage": rng.choice(["境内上市", "新三板基础层", "股份改制完成"]) if size == "大型" and rng.random() < 0.3 else "",
        "annual_revenue_wan": revenue,
        "output_value_wan": round(revenue * rng.uniform(0.9, 1.1), 1) if section == "C" else None,
        "revenue_growth_rate_pct": round(rng.gauss(6, 15), 1),
        "total_tax_paid_wan": round(revenue * rng.uniform(0.02, 0.08), 1),
        "district_fiscal_contribution_wan": round(revenue * rng.uniform(0.005, 0.02), 1),
        "employees": max(1, int(revenue / rng.uniform(40, 120))),
        "total_assets_wan": round(revenue * rng.uniform(0.6, 2.0), 1),
        "rd_expense_wan": rd, "rd_to_revenue_pct": round(100 * rd / revenue, 2) if revenue else 0.0,
        "high_tech_revenue_share_pct": round(rng.uniform(60, 95), 1) if tech else round(rng.uniform(0, 40), 1),
        "ui_contribution_months": 12 if rng.random() < 0.93 else rng.randint(0, 11),
        "patents_granted_count": rng.randint(1, 40) if tech else (rng.randint(0, 2) if rng.random() < 0.2 else 0),
        "invention_patents_granted_count": rng.randint(0, 10) if tech else 0,
    }
    values["industry_section_gb4754"] = (section,)
    values["years_since_stats_first_included"] = as_of.year - first_year if first_year else None
    values["output_or_revenue_wan"] = max(v for v in (values["output_value_wan"], revenue) if v is not None)
    word = "".join(rng.choice(NAME_WORDS) for _ in range(2))
    name = f"深圳市{word}{INDUSTRY_WORDS.get(section, '实业')}有限公司"
    return {"id": make_uscc(rng, code if rng.random() < 0.4 else "440300"), "kind": "enterprise", "name": name,
            "sources": _sync_times(rng, ENTERPRISE_SOURCES, as_of), "values": values}


def citizen(rng: random.Random, as_of: dt.date, seq: int) -> Dict[str, Any]:
    shenzhen = rng.random() < 0.45
    r = rng.random()
    age = rng.randint(70, 98) if r < 0.08 else rng.randint(60, 69) if r < 0.16 else rng.randint(20, 26) if r < 0.36 \
        else rng.randint(18, 59)
    female = rng.random() < 0.5
    birth = as_of - dt.timedelta(days=int(age * 365.25) + rng.randint(1, 360))
    district, code, _ = _pick(rng, DISTRICTS, 2)
    region = code if shenzhen else rng.choice(OTHER_REGIONS)
    number = make_citizen_id(region, birth, seq, female)
    edu = _pick(rng, EDUCATION, 1)[0]
    fresh = age <= 26 and edu in ("大专", "本科", "硕士", "博士") and rng.random() < 0.4
    retired = age >= (55 if female else 60)
    working = not retired and rng.random() < 0.85
    si_months = min(12 * (age - 18), rng.randint(0, 240)) if working else (rng.randint(0, 24) if not retired else 0)
    values: Dict[str, Any] = {
        "hukou": "深圳" if shenzhen else "非深圳", "hukou_province": "广东" if shenzhen else PROVINCE_OF.get(region[:2], "其他"),
        "age": age, "has_residence_permit": (not shenzhen) and rng.random() < 0.7,
        "residence_registration_months_continuous": rng.randint(0, 120),
        "residence_registration_months_last_12": rng.randint(0, 12),
        "social_insurance_in_sz": working, "social_insurance_months_continuous": si_months,
        "social_insurance_months_last_12": min(12, si_months),
        "medical_insurance_months_continuous_recent": si_months if working else rng.randint(0, 12),
        "pension_contribution_years": round(min(age - 18, si_months / 12 + rng.uniform(0, 10)), 1) if age > 18 else 0.0,
        "reached_retirement_age": retired,
        "pension_receiving_place": ("深圳" if shenzhen else rng.choice(["深圳", "户籍地"])) if retired else "",
        "unemployment_registered": (not working and not retired and rng.random() < 0.4),
        "education": edu, "is_fresh_graduate": fresh,
        "education_fulltime": edu not in ("初中及以下", "高中", "中专") and rng.random() < 0.85,
        "months_since_graduation": rng.randint(1, 30) if fresh else None,
        "school_province": ("广东" if rng.random() < 0.4 else PROVINCE_OF.get(region[:2], "其他")) if fresh else None,
        "gender": "女" if female else "男", "has_residence_registration": (not shenzhen) and rng.random() < 0.85,
        "social_insurance_months_last_24": min(24, si_months), "social_insurance_years_in_sz": round(si_months / 12, 1),
        "works_in_sz": working, "is_married": age >= 22 and rng.random() < 0.7,
        "is_fulltime_student_in_sz": age <= 24 and rng.random() < 0.2,
        "talent_certification": rng.choice(["深圳高层次人才", "鹏城优才卡"]) if edu in ("硕士", "博士") and rng.random() < 0.15 else "",
        "youyue_card": "",
        "disability_certificate_valid": rng.random() < 0.02, "family_owns_home_in_sz": rng.random() < (0.55 if shenzhen else 0.15),
        "family_planning_compliant": rng.random() < 0.97, "serious_dishonesty_listed": rng.random() < 0.005,
    }
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return {"id": number, "kind": "citizen", "name": name, "sources": _sync_times(rng, CITIZEN_SOURCES, as_of),
            "values": values}


def enterprises(n: int, seed: int = 2024, as_of: dt.date | None = None) -> Iterator[Dict[str, Any]]:
    rng = random.Random(f"enterprise-{seed}")
    day = as_of or dt.date.today()
    seen: set = set()
    while len(seen) < n:
        row = enterprise(rng, day)
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        yield row


def citizens(n: int, seed: int = 2024, as_of: dt.date | None = None) -> Iterator[Dict[str, Any]]:
    rng = random.Random(f"citizen-{seed}")
    day = as_of or dt.date.today()
    seen: set = set()
    seq = 0
    while len(seen) < n:
        seq += 1
        row = citizen(rng, day, seq)
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        yield row
