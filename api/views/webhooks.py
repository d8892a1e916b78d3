"""Webhook subscriptions of the key's integration: list, create (the signing secret in that answer
only), read, change (url, events, pause and resume), disable. A subscription made with a key hears
only of what that key may see (its account's core.scope)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.errors import ApiError
from api.idempotency import idempotent
from api.serializers import SubscriptionCreatedSerializer, SubscriptionSerializer, SubscriptionUpdateSerializer
from api.views.base import IDEMPOTENCY, LANGUAGE, ApiView, errors
from webhooks.models import Subscription, SubscriptionState
from webhooks.services import subscription_create, subscription_disable, subscription_update


def _invalid(exc):
    rows = [{"code": "invalid", "message": str(m), "field": f if f != "__all__" else None}
            for f, messages in exc.message_dict.items() for m in messages]
    raise ApiError(rows[0]["message"], code="invalid", status_code=400, field=rows[0]["field"], errors=rows)


def _mine(request):
    return Subscription.objects.filter(integration_id=request.auth.integration_id).exclude(
        state=SubscriptionState.DISABLED)


class SubscriptionListView(ApiView):
    grants = {"GET": "any", "POST": "any"}

    @extend_schema(operation_id="webhooks_list", parameters=[LANGUAGE],
                   responses={200: SubscriptionSerializer(many=True), **errors(forbidden=False)}, tags=["webhooks"])
    def get(self, request):
        return Response(SubscriptionSerializer(_mine(request).order_by("pk"), many=True).data)

    @extend_schema(operation_id="webhooks_create", request=SubscriptionSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: SubscriptionCreatedSerializer, **errors(400, 422, forbidden=False)}, tags=["webhooks"])
    @idempotent
    def post(self, request):
        incoming = SubscriptionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            subscription, secret = subscription_create(
                integration=request.auth.integration, url=incoming.validated_data["url"],
                events=incoming.validated_data["events"], scope_user=request.user, acting_user=request.user)
        except ValidationError as exc:
            _invalid(exc)
        data = SubscriptionSerializer(subscription).data
        return Response({**data, "secret": secret}, status=status.HTTP_201_CREATED)


class SubscriptionDetailView(ApiView):
    grants = {"GET": "any", "PATCH": "any", "DELETE": "any"}

    def _get(self, request, pk):
        subscription = _mine(request).filter(pk=pk).first()
        if subscription is None:
            raise exceptions.NotFound()
        return subscription

    @extend_schema(operation_id="webhooks_read", parameters=[LANGUAGE],
                   responses={200: SubscriptionSerializer, **errors(404, forbidden=False)}, tags=["webhooks"])
    def get(self, request, pk):
        return Response(SubscriptionSerializer(self._get(request, pk)).data)

    @extend_schema(operation_id="webhooks_update", request=SubscriptionUpdateSerializer, parameters=[LANGUAGE],
                   responses={200: SubscriptionSerializer, **errors(400, 404, forbidden=False)}, tags=["webhooks"])
    def patch(self, request, pk):
        subscription = self._get(request, pk)
        incoming = SubscriptionUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            subscription = subscription_update(subscription=subscription, acting_user=request.user, url=data.get("url"),
                                               events=data.get("events"), active=data.get("active"))
        except ValidationError as exc:
            _invalid(exc)
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(operation_id="webhooks_disable", parameters=[LANGUAGE], responses={204: None, **errors(404, forbidden=False)},
                   tags=["webhooks"], description=_("Desactiva la suscripción: no se le guardan más eventos."))
    def delete(self, request, pk):
        subscription_disable(subscription=self._get(request, pk), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
