"""Personal data is masked wherever the dashboard and the exports show text."""

from omreview.masking import mask_any, mask_text


def test_id_numbers_in_text_are_masked():
    assert mask_text("身份证号110105194912310021，入职") == "身份证号1101**********0021，入职"
    assert mask_text("11010519491231002x") == "1101**********002X"
    assert mask_text("旧号 110105491231002 在此") == "旧号 1101*******1002 在此"


def test_other_numbers_are_left_alone():
    credit_code = "91110108790585065X"  # 统一社会信用代码: not a birth date inside
    sha = "e03f46592e0d6751073ac0cfcdcdd035be3e5bd4ba79e683a4238fcc85aa6303"
    amount = "营业收入 123456789012.00"
    for text in (credit_code, sha, amount, "ITSS-YW-11-20110216", "Z2110120110975", "", None):
        assert mask_text(text) == text


def test_mask_any_walks_containers():
    data = {"a": ["110105194912310021", 3], "b": ("x 110105194912310021",), "c": None}
    assert mask_any(data) == {"a": ["1101**********0021", 3], "b": ("x 1101**********0021",), "c": None}
