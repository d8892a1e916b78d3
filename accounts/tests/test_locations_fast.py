"""The issuing hot path's access check agrees with the full selector."""

import pytest

from accounts.selectors import points_of_sale_for_user, user_may_operate
from accounts.services import user_assign_locations

pytestmark = pytest.mark.django_db


def test_user_may_operate_agrees_with_points_of_sale_for_user(users, establishments):
    rep = users["Vendedor"]
    allowed = establishments["pos"]["M001P001"]
    user_assign_locations(user=rep, establishments=[establishments["main"]], points_of_sale=[allowed],
                          acting_user=users["Administrador"])
    for user in (rep, users["Supervisor"], users["outsider"]):
        listed = set(points_of_sale_for_user(user=user))
        for point in establishments["pos"].values():
            assert user_may_operate(user=user, point_of_sale=point) == (point in listed), (user, point)
    allowed.is_active = False
    allowed.save()
    assert not user_may_operate(user=rep, point_of_sale=allowed)
    assert not user_may_operate(user=users["Supervisor"], point_of_sale=allowed)
