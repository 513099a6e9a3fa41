"""One spelling per fact: mobiles, e-mails and company names as the duplicate check compares them."""

import pytest

from app.models import Account, Contact, Lead
from app.models.mixins import match_keys
from app.services import normalise


@pytest.mark.parametrize("raw", ["13800138000", "+86 138-0013-8000", "86 138 0013 8000", "0086 13800138000",
                                 "(+86)138.0013.8000", "１３８００１３８０００", " 138 0013 8000 "])
def test_one_mobile_in_every_spelling(raw):
    assert normalise.mobile(raw) == "13800138000"


def test_a_number_that_only_starts_with_86_keeps_its_digits():
    assert normalise.mobile("8612345678") == "8612345678"  # 10 digits: not a +86 mobile
    assert normalise.mobile("021-6234 5678") == "02162345678"


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "（）"])
def test_nothing_left_is_none(raw):
    assert normalise.mobile(raw) is None


def test_email_lower_cased_and_trimmed():
    assert normalise.email("  Foo.Bar@Example.COM ") == "foo.bar@example.com"
    assert normalise.email("ｆｏｏ@ｘ.com") == "foo@x.com"  # full-width letters
    assert normalise.email("   ") is None
    assert normalise.email(None) is None


@pytest.mark.parametrize("raw", ["上海明远科技有限公司", "上海 明远科技", "上海明远科技股份有限公司",
                                 "上海明远科技(集团)有限公司", "上海明远科技（集团）有限公司", "上海明远科技公司",
                                 " 上海明远科技有限公司 "])
def test_chinese_company_suffixes_and_spaces_drop(raw):
    assert normalise.company(raw) == "上海明远科技"


@pytest.mark.parametrize("raw", ["Acme Co., Ltd.", "ACME Co.,Ltd", "acme inc.", "Acme, Inc", "ＡＣＭＥ Limited",
                                 "Acme Corporation", "acme llc", "Acme GmbH", "ACME"])
def test_latin_company_suffixes_case_and_width(raw):
    assert normalise.company(raw) == "acme"


def test_a_name_that_is_only_a_suffix_is_kept():
    assert normalise.company("有限公司")  # never stripped to nothing
    assert normalise.company("Inc") == "inc"
    assert normalise.company("  ") is None


def test_bulk_rows_get_the_same_keys_as_the_orm():
    assert match_keys(Lead, {"mobile": "+86 138-0013-8000", "email": " A@B.cn", "company_name": "明远有限公司"}) == {
        "mobile_key": "13800138000", "email_key": "a@b.cn", "company_key": "明远"}
    assert match_keys(Account, {"name": "Acme Inc.", "phone": "021-62345678"}) == {
        "name_key": "acme", "phone_key": "02162345678"}
    assert match_keys(Contact, {"mobile": None, "email": None}) == {"mobile_key": None, "email_key": None}
