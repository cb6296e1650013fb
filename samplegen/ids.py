"""Fictitious names and valid-looking identifiers, all drawn from a ``random.Random``."""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum.cn import ric, uscc

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆"
    "帅旭宁晨博文思雨欣怡佳琪晓婷慧颖瑞泽楠航志宏亮峰鑫海波东昊然子轩梓涵一诺嘉睿天翔"
)
TRADE = ("瀚维", "睿服", "启迪云", "恒运", "中科维", "信达安", "智维", "博思运", "华信通", "联创维", "云擎",
         "汇智", "安捷维", "数通", "鼎信", "天维", "易维", "卓运", "拓维讯", "铭锐")
AUDIT_TRADE = ("中衡信诚", "华正永信", "立合天成", "信和中瑞", "致远华审", "普衡大成", "正中和信")

# city -> (district code for 身份证号 / credit code, recommending authority, SI certificate region)
CITIES = {
    "北京": ("110108", "北京市经济和信息化委员会", "11"),
    "上海": ("310104", "上海市经济和信息化委员会", "31"),
    "广州": ("440106", "广东省经济和信息化委员会", "44"),
    "南京": ("320106", "江苏省经济和信息化委员会", "32"),
    "杭州": ("330106", "浙江省经济和信息化委员会", "33"),
    "成都": ("510107", "四川省经济和信息化委员会", "51"),
}
# district codes that python-stdnum accepts for every birth year 1960-1991
BIRTH_REGIONS = ("110101", "110102", "110105", "110106", "110108", "120101", "120103", "310101", "310104",
                 "310105", "310107", "310110", "320121", "330122", "340121", "350121", "370122", "410121",
                 "420121", "430121", "440121", "510121", "610121", "210121", "360121", "140121", "530121")


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def id_number(rng: random.Random, birth_from: int, birth_to: int, taken: set[str]) -> tuple[str, str]:
    """A valid 18-digit 身份证号 not in ``taken`` (then added to it), and the gender it implies."""
    start = date(birth_from, 1, 1)
    while True:
        born = start + timedelta(days=rng.randrange((date(birth_to, 12, 31) - start).days))
        seq = rng.randrange(1, 999)
        body = f"{rng.choice(BIRTH_REGIONS)}{born:%Y%m%d}{seq:03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in taken:
            break
    if not ric.is_valid(number):
        raise ValueError(f"generated an invalid 身份证号 {number}: check BIRTH_REGIONS")
    taken.add(number)
    return number, "男" if seq % 2 else "女"


def break_check_digit(number: str) -> str:
    """The same number with a wrong check digit."""
    right = number[-1]
    wrong = next(c for c in "7310X" if c != right)
    return number[:-1] + wrong


def org_code(rng: random.Random) -> str:
    """A 9-character organisation code with its GB 11714 check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, district: str) -> str:
    body = f"91{district}{org_code(rng)}"
    return body + uscc.calc_check_digit(body)


def copyright_number(rng: random.Random, year: int) -> str:
    return f"{year}SR{rng.randrange(1000, 99999):06d}"


def company_name(rng: random.Random, city: str, index: int) -> tuple[str, str]:
    """(name, trade name); the trade name comes from ``index`` so names differ across a batch."""
    kinds = ("信息技术有限公司", "科技股份有限公司", "信息系统有限公司", "数据服务有限公司",
             "网络技术有限公司")
    trade = TRADE[index % len(TRADE)]
    return f"{city}{trade}{rng.choice(kinds)}", trade


def auditor_name(rng: random.Random) -> str:
    return f"{rng.choice(AUDIT_TRADE)}会计师事务所（特殊普通合伙）"


def client_names(rng: random.Random, city: str, n: int) -> list[str]:
    pool = [f"{city}市第{rng.choice('一二三四五六')}人民医院", f"{city}市地方税务局",
            f"中国{rng.choice(('建设', '工商', '农业'))}银行股份有限公司{city}分行",
            f"{city}电力公司信息通信分公司", f"{city}市社会保险事业管理中心", f"{city}地铁运营有限公司",
            f"{city}证券股份有限公司", f"{city}市公安局交通管理局", f"华信（{city}）数据有限公司"]
    return rng.sample(pool, n)
