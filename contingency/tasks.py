from celery import shared_task

from contingency import recovery
from contingency.alerts import due_alerts, send_alert
from dte.transmission import scopes


@shared_task(name="contingency.catch_up", acks_late=True, ignore_result=True, soft_time_limit=600, time_limit=660)
def catch_up_task(period_id):
    wait = recovery.catch_up(period_id)
    if wait is not None:
        catch_up_task.apply_async((period_id,), countdown=max(1.0, wait))
    return wait


def _follow(result, lot_id):
    if not result:
        return
    kind, countdown = result
    (send_lot_task if kind == "send" else poll_lot_task).apply_async((lot_id,), countdown=max(0.5, countdown))


@shared_task(name="contingency.send_lot", acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=150)
def send_lot_task(lot_id):
    _follow(recovery.send_lot(lot_id), lot_id)


@shared_task(name="contingency.poll_lot", acks_late=True, ignore_result=True, soft_time_limit=300, time_limit=330)
def poll_lot_task(lot_id):
    _follow(recovery.poll_lot(lot_id), lot_id)


@shared_task(name="contingency.alert", ignore_result=True, acks_late=True)
def alert_task(period_id, kind):
    return send_alert(period_id, kind)


@shared_task(name="contingency.tick", ignore_result=True)
def tick_task():
    """Every DTE_CONTINGENCY_TICK_SECONDS: is MH back? what is due? which deadlines near?"""
    ended = scopes.health_check()
    periods, to_send, to_poll = recovery.due_work()
    for pk in periods:
        catch_up_task.delay(pk)
    for pk in to_send:
        send_lot_task.delay(pk)
    for pk in to_poll:
        poll_lot_task.delay(pk)
    alerts = due_alerts()
    return {"ended": len(ended), "periods": len(periods), "send": len(to_send), "poll": len(to_poll), "alerts": alerts}
