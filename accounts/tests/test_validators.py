import pytest
from django.core.exceptions import ValidationError

from accounts.validators import format_nit, normalize_dui, normalize_nit, normalize_nrc


def test_valid_nit_is_stored_without_dashes():
    # 0614-050707-104-8: correlative 104 (> 100), weights 2,7,6,5,4,3,2,7,6,5,4,3,2:
    # 0*2+6*7+1*6+4*5+0*4+5*3+0*2+7*7+0*6+7*5+1*4+0*3+4*2 = 179; -179 mod 11 = 8.
    assert normalize_nit("0614-050707-104-8") == "06140507071048"
    assert format_nit("06140507071048") == "0614-050707-104-8"


def test_old_style_nit_check_digit():
    # Correlative 001 (<= 100): weights 14..2, digit = (sum mod 11) mod 10.
    # 0614-010190-001-?: 0*14+6*13+1*12+4*11+0*10+1*9+0*8+1*7+9*6+0*5+0*4+0*3+1*2 = 206; 206 mod 11 = 8.
    assert normalize_nit("0614-010190-001-8") == "06140101900018"
    with pytest.raises(ValidationError) as exc:
        normalize_nit("0614-010190-001-0")
    assert "dígito verificador" in exc.value.messages[0]


def test_nit_with_wrong_check_digit_names_the_problem_in_spanish():
    with pytest.raises(ValidationError) as exc:
        normalize_nit("06140507071049")
    assert exc.value.code == "nit_checksum"
    assert "0614-050707-104-9" in exc.value.messages[0]


@pytest.mark.parametrize("value", ["1234", "0614-050707-104", "ABCD0507071048", "061405070710481"])
def test_nit_with_wrong_shape_is_refused(value):
    with pytest.raises(ValidationError) as exc:
        normalize_nit(value)
    assert exc.value.code == "nit_format"


def test_dui_check_digit_by_hand():
    # 0,0,0,1,6,2,9,7 with weights 9..2: 0+0+0+6+30+8+27+14 = 85; 10 - (85 mod 10) = 5.
    assert normalize_dui("000162975") == "00016297-5"
    with pytest.raises(ValidationError) as exc:
        normalize_dui("00016297-4")
    assert exc.value.code == "dui_checksum"


def test_nine_digit_nit_is_a_homologated_dui():
    assert normalize_nit("00016297-5") == "000162975"
    with pytest.raises(ValidationError) as exc:
        normalize_nit("000162974")
    assert exc.value.code == "nit_checksum"


def test_nrc_format():
    assert normalize_nrc("123456-7") == "1234567"
    for bad in ("", "123456789", "12A4"):
        with pytest.raises(ValidationError) as exc:
            normalize_nrc(bad)
        assert "NRC" in exc.value.messages[0]
