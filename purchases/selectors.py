from purchases.models import IntakeBatch, ReceivedDocument


def received_for_user(*, user):
    """Purchases belong to the company: a company-wide role sees them all, anyone else none."""
    if not user.company_wide:
        return ReceivedDocument.objects.none()
    return ReceivedDocument.objects.all()


def batches_for_user(*, user):
    """Batches are the company's too: a company-wide role sees them all, anyone else none."""
    if not user.company_wide:
        return IntakeBatch.objects.none()
    return IntakeBatch.objects.all()
