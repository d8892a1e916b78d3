"""Documents received from suppliers (DTE JSON, optionally their PDF): checked offline on arrival,
registered into a tax period for the Libro de Compras. Written only by purchases.services
(audited); their state changes through RECEIVED_MACHINE (core.statemachine)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.statemachine import Machine


class ReceivedState(models.TextChoices):
    RECEIVED = "received", _("Recibido")
    VERIFIED = "verified", _("Verificado")
    QUESTIONED = "questioned", _("Observado")
    REGISTERED = "registered", _("Registrado")
    INVALIDATED = "invalidated", _("Invalidado por el proveedor")


class MHStatus(models.TextChoices):
    """What MH's public consultation page showed the accountant (facts-2 §4): MH offers a receptor
    no API, and the page asks a captcha, so a person reads it and records it here."""

    VALID = "valid", _("Transmitido satisfactoriamente")
    INVALIDATED = "invalidated", _("Invalidado")
    REJECTED = "rejected", _("Rechazado")
    NOT_FOUND = "not_found", _("No encontrado (error)")


class Source(models.TextChoices):
    UPLOAD = "upload", _("Carga de archivos")
    MAIL = "mail", _("Buzón de correo")
    API = "api", _("API")
    BATCH = "batch", _("Carga masiva (en segundo plano)")


class Mailbox(models.Model):
    """A company's mailbox the product reads by IMAP (suppliers send their DTEs there). The mail
    stays on the server (read-only, BODY.PEEK) and a copy is kept here (ReceivedMail)."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="mailboxes")
    host = models.CharField(_("servidor IMAP"), max_length=200)
    port = models.PositiveIntegerField(_("puerto"), default=993)
    use_ssl = models.BooleanField(_("conexión cifrada (SSL/TLS)"), default=True)
    username = models.CharField(_("usuario"), max_length=200)
    password = EncryptedTextField(_("contraseña"))
    folder = models.CharField(_("carpeta"), max_length=200, default="INBOX")
    active = models.BooleanField(_("activo"), default=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)  # the last message read (IMAP UID within uidvalidity)
    claimed_at = models.DateTimeField(null=True, blank=True)  # a worker reading it now
    checked_at = models.DateTimeField(_("última lectura"), null=True, blank=True)
    last_error = models.CharField(_("último error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("buzón de compras")
        verbose_name_plural = _("buzones de compras")

    def __str__(self):
        return f"{self.username}@{self.host}/{self.folder}"


class ReceivedMail(models.Model):
    """One message read from a Mailbox, kept as received (.eml)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="mails")
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(max_length=300, blank=True)
    sender = models.CharField(_("remitente"), max_length=300, blank=True)
    subject = models.CharField(_("asunto"), max_length=300, blank=True)
    raw = models.FileField(_("correo"), upload_to="received/mail/%Y/%m/")
    outcome = models.CharField(_("resultado"), max_length=1000, blank=True)
    read_at = models.DateTimeField(_("leído"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="received_mail_once")]

    def __str__(self):
        return f"{self.sender}: {self.subject}"


class IntakeBatch(models.Model):
    """A large ZIP of received documents (beyond an upload's reading.MAX_FILES), read by workers in
    chunks (IntakeChunk) through the same intake as an upload, then optionally registered into a
    tax period. Its state changes through BATCH_MACHINE."""

    class State(models.TextChoices):
        QUEUED = "queued", _("En cola")
        RUNNING = "running", _("En proceso")
        DONE = "done", _("Terminado")
        FAILED = "failed", _("Fallido")

    MOVES = {State.QUEUED: {State.RUNNING, State.FAILED}, State.RUNNING: {State.DONE, State.FAILED},
             State.DONE: set(), State.FAILED: set()}

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="intake_batches")
    file = models.FileField(upload_to="received/batches/%Y/%m/")
    file_name = models.CharField(_("archivo"), max_length=255)
    period = models.DateField(_("registrar en el periodo"), null=True, blank=True)
    state = models.CharField(_("estado"), max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("documentos"), default=0)
    pending_chunks = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(_("recibidos"), default=0)
    questioned = models.PositiveIntegerField(_("observados"), default=0)
    refused = models.PositiveIntegerField(_("rechazados"), default=0)
    registered = models.PositiveIntegerField(_("registrados"), default=0)
    refusals = models.JSONField(default=list)  # the first refusals' messages (each names its file)
    error = models.CharField(max_length=500, blank=True)
    peak_kb = models.PositiveIntegerField(default=0)  # the largest worker resident size seen (VmHWM)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lote de documentos recibidos")
        verbose_name_plural = _("lotes de documentos recibidos")

    def __str__(self):
        return self.file_name

    @property
    def processed(self):
        return self.received + self.questioned + self.refused

    @property
    def active(self):
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self):
        """How far the workers are, 0–100 (the page's progress bar and the API's)."""
        if self.state == self.State.DONE or (not self.total and not self.active):
            return 100
        return min(100, int(self.processed * 100 / self.total)) if self.total else 0


class IntakeChunk(models.Model):
    """Entries [start, end) of the batch's JSON members, in name order: one worker task each."""

    batch = models.ForeignKey(IntakeBatch, on_delete=models.CASCADE, related_name="chunks")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    state = models.CharField(max_length=8, default="queued")  # queued → running → done (claimed by UPDATE)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "start"], name="intake_chunk_once")]

    def __str__(self):
        return f"{self.batch_id}[{self.start}:{self.end}]"


class ReceivedDocument(models.Model):
    MOVES = {
        ReceivedState.RECEIVED: {ReceivedState.VERIFIED, ReceivedState.QUESTIONED, ReceivedState.INVALIDATED},
        ReceivedState.VERIFIED: {ReceivedState.QUESTIONED, ReceivedState.REGISTERED, ReceivedState.INVALIDATED},
        # the accountant may accept a questioned document after checking it (the reason stays in the history)
        ReceivedState.QUESTIONED: {ReceivedState.VERIFIED, ReceivedState.INVALIDATED},
        ReceivedState.REGISTERED: {ReceivedState.INVALIDATED},
        ReceivedState.INVALIDATED: set(),
    }

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="received_documents")
    tipo_dte = models.CharField(_("tipo de DTE"), max_length=2)
    version = models.PositiveSmallIntegerField(_("versión"))
    generation = models.CharField(_("generación de esquemas"), max_length=8)
    codigo_generacion = models.CharField(_("código de generación"), max_length=36)
    numero_control = models.CharField(_("número de control"), max_length=31)
    sello_recibido = models.CharField(_("sello de recepción"), max_length=40, blank=True)
    ambiente = models.CharField(_("ambiente"), max_length=2, blank=True)
    issue_date = models.DateField(_("fecha de emisión"))
    supplier_nit = models.CharField(_("NIT del proveedor"), max_length=20, blank=True)
    supplier_nrc = models.CharField(_("NRC del proveedor"), max_length=8, blank=True)
    supplier_name = models.CharField(_("proveedor"), max_length=250)
    provider = models.ForeignKey("inventory.Provider", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="received_documents")
    # resumen, in the document's own signs (a credit note subtracts in the book, not here)
    total_no_suj = models.DecimalField(_("no sujetas"), max_digits=19, decimal_places=2, default=0)
    total_exenta = models.DecimalField(_("exentas"), max_digits=19, decimal_places=2, default=0)
    total_gravada = models.DecimalField(_("gravadas"), max_digits=19, decimal_places=2, default=0)
    iva = models.DecimalField(_("IVA (crédito fiscal)"), max_digits=19, decimal_places=2, default=0)
    iva_percibido = models.DecimalField(_("IVA percibido"), max_digits=19, decimal_places=2, default=0)
    iva_retenido = models.DecimalField(_("IVA retenido"), max_digits=19, decimal_places=2, default=0)
    rete_renta = models.DecimalField(_("renta retenida"), max_digits=19, decimal_places=2, default=0)
    total = models.DecimalField(_("total de la operación"), max_digits=19, decimal_places=2, default=0)
    raw = models.TextField(_("JSON recibido"))  # the text exactly as received (the fiscal record)
    file_name = models.CharField(_("archivo"), max_length=255)
    pdf = models.FileField(_("PDF"), upload_to="received/%Y/%m/", blank=True)
    state = models.CharField(_("estado"), max_length=12, choices=ReceivedState.choices, default=ReceivedState.RECEIVED)
    question_reason = models.CharField(_("motivo de la observación"), max_length=1000, blank=True)
    tax_period = models.DateField(_("periodo tributario"), null=True, blank=True)  # first day of the month
    notes = models.TextField(_("notas"), blank=True)
    mh_status = models.CharField(_("estado en MH"), max_length=12, choices=MHStatus.choices, blank=True)
    mh_checked_at = models.DateTimeField(_("consultado en MH"), null=True, blank=True)
    mh_checked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(_("recibido"), auto_now_add=True)
    source = models.CharField(_("origen"), max_length=8, choices=Source.choices, default=Source.UPLOAD)
    mail = models.ForeignKey(ReceivedMail, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents")
    batch = models.ForeignKey(IntakeBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents")
    received_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("documento recibido")
        verbose_name_plural = _("documentos recibidos")
        constraints = [
            models.UniqueConstraint(fields=["company", "codigo_generacion"], name="received_once_per_company"),
            models.CheckConstraint(condition=~models.Q(state="registered") | models.Q(tax_period__isnull=False),
                                   name="received_registered_has_period"),
        ]
        indexes = [models.Index(fields=["company", "tax_period"]), models.Index(fields=["company", "state"])]

    def __str__(self):
        return f"{self.tipo_dte} {self.numero_control} ({self.supplier_name})"

    @property
    def period_label(self):
        """The tax period as the declaration names it: ``11/2026``."""
        return self.tax_period.strftime("%m/%Y") if self.tax_period else ""


RECEIVED_MACHINE = Machine(ReceivedDocument, ReceivedDocument.MOVES)  # core.statemachine
BATCH_MACHINE = Machine(IntakeBatch, IntakeBatch.MOVES)
