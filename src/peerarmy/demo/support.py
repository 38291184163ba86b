"""The demo's support desk (issue 16): an FAQ in both languages with a few tickets it spared,
two canned replies, and tickets in every status: a visitor's new question, an open no-show
assigned to staff, a question waiting on its peer, a resolved complaint, a closed one, a
safety ticket left past its first-response deadline (warned once), and a payment discrepancy
settled in the books by the owner. Everything goes through the support services at the
moment it happened, so the SLA deadlines are those of the shop's hours."""

from datetime import timedelta

from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.rewards.models import Reward, RewardStatus
from peerarmy.support import services
from peerarmy.support.inputs import (
    AssignInput,
    CannedReplyInput,
    ConsumerTicketInput,
    DeflectionInput,
    FaqEntryInput,
    ReplyInput,
    SettlementInput,
    StatusInput,
    TicketInput,
)
from peerarmy.tenancy.models import Membership, Role

FAQ = [
    (
        "Quando vengono pagate le ricompense?",
        "Le ricompense in denaro finiscono nel tuo portafoglio appena il turno è chiuso; il "
        "titolare le paga con un bonifico all'inizio di ogni mese, quando superano i 10 €.",
        "When are rewards paid?",
        "Cash rewards reach your wallet as soon as the block is closed; the owner pays them by "
        "bank transfer at the start of each month, once they exceed €10.",
    ),
    (
        "Posso cedere un turno a un'altra persona?",
        "Sì: dalla pagina dei tuoi turni scegli «Offri» e un'altra persona dell'esercito può "
        "accettarlo. Fino ad allora il turno resta tuo.",
        "Can I give a block to someone else?",
        "Yes: on your blocks page choose “Offer” and another peer can take it. Until then the "
        "block is still yours.",
    ),
    (
        "Dove parcheggio la cargo-bike dopo le consegne?",
        "Nel cortile dietro il negozio, in via del Pratello 12: il codice del cancello è sul "
        "foglio del turno.",
        "Where do I park the cargo bike after deliveries?",
        "In the courtyard behind the shop, via del Pratello 12: the gate code is on the block's "
        "sheet.",
    ),
    (
        "Cosa faccio se il visitatore non si presenta?",
        "Aspetta 20 minuti al punto d'incontro, poi segnalalo con una richiesta di aiuto "
        "(categoria «Mancata presentazione»): il tempo d'attesa ti viene riconosciuto.",
        "What if the visitor does not show up?",
        "Wait 20 minutes at the meeting point, then tell us with a help request (category "
        "“No-show”): your waiting time is paid.",
    ),
    (
        "Il negozio è aperto ad agosto?",
        "Chiudiamo per ferie le due settimane centrali di agosto; le date sono sulla pagina "
        "del negozio.",
        "Is the shop open in August?",
        "We close for the two middle weeks of August; the dates are on the shop's page.",
    ),
]

CANNED = [
    (
        "Ricevuto, ci pensiamo noi",
        "Ciao, grazie per averci scritto: stiamo controllando e ti rispondiamo entro oggi.",
        "Hello, thank you for writing: we are looking into it and will answer you today.",
    ),
    (
        "Pagamento in arrivo",
        "Abbiamo corretto il saldo: lo trovi nel portafoglio e arriva con il prossimo lotto "
        "di pagamenti.",
        "We corrected your balance: you will see it in your wallet and it comes with the next "
        "payout run.",
    ),
]


def _team(business):
    members = Membership.objects.filter(business=business).select_related("user")
    owner = next(m.user for m in members if m.role == Role.OWNER)
    staff = next((m.user for m in members if m.role != Role.OWNER), owner)
    return owner, staff


def load_support(business, now) -> dict:
    """Write the demo's FAQ, canned replies and tickets; how many of each."""
    owner, staff = _team(business)
    entries = [
        services.save_faq_entry(
            business,
            owner,
            FaqEntryInput(question_it=q_it, answer_it=a_it, question_en=q_en, answer_en=a_en),
        ).value
        for q_it, a_it, q_en, a_en in FAQ
    ]
    for query, entry in [("pagamento ricompense", 0), ("cedere turno", 1), ("parcheggio", 2),
                         ("rewards paid", 0), ("pagate", 0)]:  # fmt: skip
        services.record_deflection(
            business, DeflectionInput(entry_id=entries[entry].pk, query=query)
        )
    for title, body_it, body_en in CANNED:
        services.save_canned_reply(
            business, owner, CannedReplyInput(title=title, body_it=body_it, body_en=body_en)
        )

    peers = list(
        Peer.objects.filter(business=business, status=PeerStatus.ACTIVE)
        .select_related("user", "business")
        .order_by("pk")[:4]
    )
    tickets = 0

    def ago(**delta):
        return now - timedelta(**delta)

    # new: a visitor's question, just arrived
    services.open_consumer_ticket(
        business,
        ConsumerTicketInput(
            name="Sophie Martin",
            email="sophie.martin@example.org",
            category="question",
            subject="Bike rental for a family of four?",
            body="Hi! Do you rent bikes with a child seat for Saturday morning?",
        ),
        language="en",
        now=ago(minutes=25),
    )
    tickets += 1

    if peers:
        # open: a no-show, assigned to staff, with an internal note
        ticket = services.open_peer_ticket(
            peers[0],
            TicketInput(
                category="no_show",
                subject="Il visitatore non si è presentato",
                body="Ho aspettato 30 minuti in piazza Maggiore, nessuno è arrivato.",
            ),
            now=ago(hours=3),
        ).value
        services.assign_ticket(ticket, owner, AssignInput(assignee_id=staff.pk))
        services.reply_as_staff(
            ticket,
            staff,
            ReplyInput(
                body="Controllo l'e-mail del visitatore prima di rispondere.", internal=True
            ),
            now=ago(hours=2),
        )
        tickets += 1
    if len(peers) > 1:
        # waiting on requester: a question answered, the peer has not written again
        ticket = services.open_peer_ticket(
            peers[1],
            TicketInput(
                category="question",
                subject="Posso fare due turni nello stesso giorno?",
                body="Sabato vorrei prendere sia il turno del mattino che quello del pomeriggio.",
            ),
            now=ago(days=1, hours=2),
        ).value
        services.reply_as_staff(
            ticket,
            staff,
            ReplyInput(body="Sì, se non si sovrappongono. Quali turni avevi in mente?"),
            now=ago(days=1),
        )
        tickets += 1
        # resolved: a complaint answered and resolved
        ticket = services.open_peer_ticket(
            peers[1],
            TicketInput(
                category="complaint",
                subject="Il casco della cargo-bike è rotto",
                body="La fibbia del casco grande non si chiude più.",
            ),
            now=ago(days=4),
        ).value
        services.reply_as_staff(
            ticket,
            owner,
            ReplyInput(body="Grazie! L'abbiamo sostituito con uno nuovo.", status="resolved"),
            now=ago(days=3, hours=20),
        )
        tickets += 1
    # closed: an old visitor's message, done with
    ticket = services.open_consumer_ticket(
        business,
        ConsumerTicketInput(
            name="Marco Bianchi",
            email="marco.bianchi@example.it",
            category="other",
            subject="Grazie per il giro in bici",
            body="Volevo solo ringraziare la guida, bravissima!",
        ),
        language="it",
        now=ago(days=12),
    ).value
    services.reply_as_staff(
        ticket, staff, ReplyInput(body="Grazie a te, glielo diciamo!"), now=ago(days=11)
    )
    services.set_ticket_status(ticket, staff, StatusInput(status="closed"), now=ago(days=11))
    tickets += 1
    # breached: a safety report nobody answered in time (the warning went out once)
    services.open_consumer_ticket(
        business,
        ConsumerTicketInput(
            name="Giulia Rossi",
            email="giulia.rossi@example.it",
            category="safety",
            subject="Freni della bici a noleggio",
            body="Il freno posteriore della bici n. 7 non frena quasi per niente.",
        ),
        language="it",
        now=ago(days=2),
    )
    services.warn_breaches(now=now)
    tickets += 1

    # settled: a payment discrepancy about a posted reward, corrected in the books
    reward = (
        Reward.objects.filter(business=business, status=RewardStatus.POSTED, kind="cash")
        .exclude(transaction=None)
        .select_related("peer__user", "peer__business")
        .order_by("pk")
        .first()
    )
    if reward is not None:
        ticket = services.open_peer_ticket(
            reward.peer,
            TicketInput(
                category="payment",
                subject="Manca mezz'ora nel pagamento",
                body="Il turno è finito alle 19:30, non alle 19:00: mi mancano 5 €.",
                reward_id=reward.pk,
            ),
            now=ago(days=2, hours=5),
        ).value
        services.settle_discrepancy(
            ticket,
            owner,
            SettlementInput(amount_minor=500, note="Hai ragione: aggiunti 5 € al tuo saldo."),
            now=ago(days=1, hours=22),
        )
        tickets += 1
    return {"tickets": tickets, "faq": len(entries), "canned": len(CANNED)}
