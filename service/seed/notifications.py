"""A client's notifications: every channel and every status, some read."""

from __future__ import annotations

from datetime import timedelta

from service.domain import NotificationChannel, NotificationStatus
from service.seed.context import Batch, Context

CHANNELS = (
    (NotificationChannel.EMAIL, 0.5),
    (NotificationChannel.WHATSAPP, 0.3),
    (NotificationChannel.SMS, 0.2),
)
STATUSES = (
    (NotificationStatus.ENVIADA, 0.74),
    (NotificationStatus.PENDIENTE, 0.1),
    (NotificationStatus.FALLIDA, 0.1),
    (NotificationStatus.CANCELADA, 0.06),
)
SUBJECTS = (
    "Recordatorio: su cuota vence en 3 días",
    "Su cuota vence hoy",
    "Cuota vencida: regularice su pago",
    "Pago recibido, gracias",
    "Estado de cuenta mensual",
)
COUNTS = (0, 1, 1, 2, 2, 3)  # about 1.5 per client
READ_SHARE = 0.55  # of the notifications that were sent


def add_notifications(ctx: Context, batch: Batch, client_id: int) -> None:
    rng = ctx.rng
    for _ in range(rng.choice(COUNTS)):
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        # pending ones were queued in the last days; the rest over the last four months
        day = ctx.days_ago(0, 3) if status is NotificationStatus.PENDIENTE else ctx.days_ago(0, 120)
        created_at = ctx.instant(day)
        sent = status is NotificationStatus.ENVIADA
        batch.rows["notifications"].append(
            {
                "id": ctx.ids.next("notifications"),
                "client_id": client_id,
                "channel": channel.value,
                "status": status.value,
                "subject": rng.choice(SUBJECTS),
                "read": sent and rng.random() < READ_SHARE,
                "created_at": created_at,
                "sent_at": ctx.at_most_now(created_at + timedelta(seconds=rng.randint(2, 600)))
                if sent
                else None,
            }
        )
