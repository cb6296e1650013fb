"""The wording of a 2012-era Chinese audit report (中国注册会计师审计准则第1501/1502号 style)."""

from __future__ import annotations

from datetime import date

_CN = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    """1..31 as 一 .. 三十一."""
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _CN[tens] + "十")) + ("" if ones == 0 else _CN[ones])


def cn_date(d: date) -> str:
    """2012-03-15 -> 二〇一二年三月十五日."""
    return "".join(_CN[int(c)] for c in str(d.year)) + f"年{_cn_small(d.month)}月{_cn_small(d.day)}日"


_MGMT = ("一、管理层对财务报表的责任",
         "编制和公允列报财务报表是贵公司管理层的责任，这种责任包括：（1）按照企业会计准则的规定编制财务报表，并使其实现"
         "公允反映；（2）设计、执行和维护必要的内部控制，以使财务报表不存在由于舞弊或错误导致的重大错报。")
_AUDITOR = ("二、注册会计师的责任",
            "我们的责任是在执行审计工作的基础上对财务报表发表审计意见。我们按照中国注册会计师审计准则的规定执行了审计工作。"
            "中国注册会计师审计准则要求我们遵守中国注册会计师职业道德守则，计划和执行审计工作以对财务报表是否不存在重大错报"
            "获取合理保证。审计工作涉及实施审计程序，以获取有关财务报表金额和披露的审计证据。",
            "我们相信，我们获取的审计证据是充分、适当的，为发表审计意见提供了基础。")


def _fair(year: int) -> str:
    return f"公允反映了贵公司{year}年12月31日的财务状况以及{year}年度的经营成果和现金流量。"


def opinion_paragraphs(company: str, year: int, opinion: str) -> list[str]:
    """The report body after the addressee; headings are short lines like ``三、审计意见``."""
    intro = (f"我们审计了后附的{company}（以下简称“贵公司”）财务报表，包括{year}年12月31日的资产负债表，"
             f"{year}年度的利润表、现金流量表、所有者权益变动表以及财务报表附注。")
    body = [intro, *_MGMT, *(_AUDITOR if opinion != "disclaimer" else _AUDITOR[:2])]
    standard = "我们认为，贵公司财务报表在所有重大方面按照企业会计准则的规定编制，" + _fair(year)
    if opinion == "unqualified":
        return [*body, "三、审计意见", standard]
    if opinion == "unqualified_emphasis":
        return [*body, "三、审计意见", standard, "四、强调事项",
                "我们提醒财务报表使用者关注，如财务报表附注九所述，贵公司账龄三年以上的应收账款余额较大，其可收回性存在"
                "不确定性。本段内容不影响已发表的审计意见。"]
    if opinion == "qualified":
        return [*body, "三、导致保留意见的事项",
                f"贵公司{year}年12月31日应收账款中有部分款项未能取得债务人的函证回复，我们亦无法实施满意的替代程序。",
                "四、保留意见",
                "我们认为，除“三、导致保留意见的事项”段所述事项可能产生的影响外，贵公司财务报表在所有重大方面按照企业会计"
                "准则的规定编制，" + _fair(year)]
    if opinion == "adverse":
        return [*body, "三、导致否定意见的事项",
                "贵公司未按照企业会计准则的规定对已经发生减值的长期应收款项计提坏账准备，也未确认已经发生的合同损失，"
                "上述事项对财务报表的影响重大且具有广泛性。",
                "四、否定意见",
                "我们认为，由于“三、导致否定意见的事项”段所述事项的重要性，贵公司财务报表没有在所有重大方面按照企业会计"
                f"准则的规定编制，未能公允反映贵公司{year}年12月31日的财务状况以及{year}年度的经营成果和现金流量。"]
    if opinion == "disclaimer":
        return [*body, "三、导致无法表示意见的事项",
                "贵公司的会计账簿及相关原始凭证因信息系统故障部分灭失，我们无法实施必要的审计程序。",
                "四、无法表示意见",
                "由于“三、导致无法表示意见的事项”段所述事项的重要性，我们无法获取充分、适当的审计证据以为发表审计意见提供"
                "基础，因此，我们不对贵公司财务报表发表审计意见。"]
    raise ValueError(f"unknown opinion {opinion!r}")
