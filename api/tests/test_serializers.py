"""DocumentCreateSerializer lends one thread's fields to each new instance (api.serializers.KeptFields)
instead of DRF's deep copy per instance: nothing of one call may reach the next."""

import threading
from decimal import Decimal

from api.serializers import DocumentCreateSerializer


def test_one_calls_errors_and_values_never_reach_the_next():
    bad = DocumentCreateSerializer(data={"tipo_dte": "99", "point_of_sale": "x", "lines": [{"quantity": "abc"}]})
    assert not bad.is_valid()
    assert {"tipo_dte", "point_of_sale", "lines"} <= set(bad.errors)
    good = DocumentCreateSerializer(data={"tipo_dte": "01", "point_of_sale": 3, "issue": True,
                                          "lines": [{"product": 7, "quantity": "2.5"}]})
    assert good.is_valid(), good.errors
    assert good.validated_data["lines"] == [{"product": 7, "quantity": Decimal("2.5")}]
    assert good.validated_data["issue"] is True and good.validated_data["confirm"] == []
    assert good.fields["lines"].root is good and good.fields["lines"].child.root is good
    again = DocumentCreateSerializer(data={"tipo_dte": "03", "point_of_sale": 4})
    assert again.is_valid(), again.errors
    assert "lines" not in again.validated_data and again.validated_data["issue"] is False
    assert bad.errors["point_of_sale"] and not again.errors  # each instance keeps its own outcome


def test_each_thread_has_its_own_fields():
    here = DocumentCreateSerializer(data={}).fields
    there = []
    worker = threading.Thread(target=lambda: there.append(DocumentCreateSerializer(data={}).fields))
    worker.start()
    worker.join(timeout=10)
    assert there and there[0]["lines"] is not here["lines"]
    assert DocumentCreateSerializer(data={}).fields["lines"] is here["lines"]  # lent again in this thread
