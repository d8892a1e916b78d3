"""Thin task wrappers over orders.services: each takes an id and is harmless run twice."""

from celery import shared_task

from orders import services


@shared_task(name="orders.issue_receipt", acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def issue_receipt(order_id):
    document = services.receipt_issue(order_id=order_id)
    return document.pk if document is not None else None


@shared_task(name="orders.refund_fiscal", acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def refund_fiscal(refund_id):
    services.refund_fiscal(refund_id=refund_id)


@shared_task(name="orders.sweep", ignore_result=True, soft_time_limit=240, time_limit=300)
def sweep():
    return services.sweep()
