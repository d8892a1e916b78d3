"""govsim's own tables: the issuers MH knows, tokens, and the ledger of everything received."""

from django.db import models


class Issuer(models.Model):
    nit = models.CharField(max_length=14, unique=True)
    api_user = models.CharField(max_length=50, unique=True)
    api_password_hash = models.CharField(max_length=200)
    public_key_pem = models.TextField()
    name = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Token(models.Model):
    token = models.CharField(max_length=100, unique=True)
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE)
    expires_at = models.DateTimeField()


class Document(models.Model):
    """A DTE MH accepted (PROCESADO); later possibly INVALIDADO."""

    codigo_generacion = models.CharField(max_length=36, unique=True)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT)
    tipo_dte = models.CharField(max_length=2)
    version = models.IntegerField()
    ambiente = models.CharField(max_length=2)
    numero_control = models.CharField(max_length=31)
    fec_emi = models.DateField()
    tipo_modelo = models.IntegerField(default=1)
    estado = models.CharField(max_length=12, default="PROCESADO")
    sello = models.CharField(max_length=40, unique=True)
    processed_at = models.DateTimeField()
    payload = models.JSONField()
    related = models.JSONField(default=list)  # codigoGeneracion of electronic related documents
    invalidated_at = models.DateTimeField(null=True, blank=True)


class Lot(models.Model):
    codigo_lote = models.CharField(max_length=36, unique=True)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT)
    ambiente = models.CharField(max_length=2)
    version = models.IntegerField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)


class Reception(models.Model):
    """Every document answer govsim gave: the durable ledger. "How many times was this document
    accepted?" is ``Reception.objects.filter(codigo_generacion=..., estado="PROCESADO").count()``."""

    kind = models.CharField(max_length=12, default="dte")  # dte, lote, contingencia, anulacion
    codigo_generacion = models.CharField(max_length=36, db_index=True, blank=True)
    issuer = models.ForeignKey(Issuer, null=True, on_delete=models.SET_NULL)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.CASCADE, related_name="items")
    position = models.IntegerField(default=0)
    jws = models.TextField(blank=True)
    estado = models.CharField(max_length=12, blank=True)  # PROCESADO, RECHAZADO, "" = pending (lots)
    answer = models.JSONField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)


class ContingencyEvent(models.Model):
    codigo_generacion = models.CharField(max_length=36, unique=True)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT)
    sello = models.CharField(max_length=40, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField()
    listed = models.JSONField(default=list)  # the codigoGeneracion of every DTE it declares


class ContingencyListing(models.Model):
    """One DTE declared by a sealed contingency event: only listed DTEs may come with
    tipoOperacion 2 (one indexed lookup per document, however many events there are)."""

    event = models.ForeignKey(ContingencyEvent, on_delete=models.CASCADE, related_name="listings")
    codigo_generacion = models.CharField(max_length=36, db_index=True)


class Fault(models.Model):
    """A misbehaviour on demand: for a period (until) and/or the next N requests (remaining)."""

    MODES = ["down", "slow", "error", "drop", "reject", "hang"]
    mode = models.CharField(max_length=10)
    latency_ms = models.IntegerField(default=0)
    share = models.FloatField(default=1.0)
    status_code = models.IntegerField(default=503)
    remaining = models.IntegerField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    path_prefix = models.CharField(max_length=100, default="/fesv/")
    created_at = models.DateTimeField(auto_now_add=True)


class Clock(models.Model):
    """How far MH's clock is moved from the real one (one row at most)."""

    offset_seconds = models.FloatField(default=0)
