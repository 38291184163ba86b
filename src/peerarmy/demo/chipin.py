"""The demo's chip-in at Bici Gialla, made through the services as people would:

- the catalogue, imported from Shopify's products export (`demo/shopify_products.csv`);
- a campaign collecting now, half funded, brought by several sharers (Giulia herself, a peer of
  the army, a friend who gave and shared on), whose first gifts came in an earlier statement;
  two pledges are still to pay: `demo/camt053-bicigialla.xml` is the bank's statement that
  brings them (one by its reference, one the console suggests by name and amount) and a
  credit that is for no campaign — upload it in the console to see it reconcile;
- a funded campaign, its voucher partly used at the till;
- a campaign that did not make it, its money going back in a refunds payout run that waits
  for the owner's approval;
- in the earlier statement, a credit nobody could match, left for staff.

The references of the pledges the demo file pays are fixed (`DEMO_REFERENCES`), so that the
file in `demo/` always finds them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db.models import F

from peerarmy.chipin import bankfiles, references, services, statement_files
from peerarmy.chipin.inputs import (
    CampaignInput,
    ChipInSettingsInput,
    PledgeInput,
    TillPaymentInput,
)
from peerarmy.chipin.models import Campaign, Pledge, Product
from peerarmy.chipin.reconcile import reconcile_statement
from peerarmy.peers.models import Peer, PeerStatus
from peerarmy.programs.models import Program, ProgramKind
from peerarmy.rewards import payouts
from peerarmy.rewards import services as rewards
from peerarmy.rewards.inputs import PayoutBatchInput, VoucherRedemptionInput
from peerarmy.rewards.models import RewardSettings
from peerarmy.tenancy.models import Membership, Role

DEMO_DIR = Path(__file__).resolve().parents[3] / "demo"
PRODUCTS_FILE = DEMO_DIR / "shopify_products.csv"
STATEMENT_FILE = DEMO_DIR / "camt053-bicigialla.xml"
SHOP_IBAN = "IT60X0542811101000000123456"
# The pledges `demo/camt053-bicigialla.xml` pays: one quoted, one to be suggested.
DEMO_REFERENCES = {
    "anna": references.rf_reference("BG2026A1"),
    "marco": references.rf_reference("BG2026M2"),
}


def _team(business):
    members = Membership.objects.filter(business=business).select_related("user")
    owner = next(m.user for m in members if m.role == Role.OWNER)
    staff = next((m.user for m in members if m.role != Role.OWNER), owner)
    return owner, staff


def _person(email, first, last, language="it"):
    user = get_user_model().objects.filter(email=email).first()
    return user or get_user_model().objects.create_user(
        email, first_name=first, last_name=last, language=language
    )


def _pledge(business, campaign, name, email, amount, *, via=None, anonymous=False, message="",
            refund_choice="transfer", reference=None, now):  # fmt: skip
    made = services.make_pledge(
        business,
        campaign,
        PledgeInput(
            name=name,
            email=email,
            amount_minor=amount,
            anonymous=anonymous,
            message=message,
            refund_choice=refund_choice,
            via=via.token if via else "",
        ),
        language="it",
        now=now,
    ).value
    if reference:
        Pledge.objects.filter(pk=made.pledge.pk).update(reference=reference)
    services.confirm_pledge(business, made.token, now=now)
    made.pledge.refresh_from_db()
    return made.pledge


def _credit(pledge, payer, iban, *, number, day, reference=True, amount=None):
    return bankfiles.BankCredit(
        line=number,
        bank_ref=f"DEMO-BG-{number:04d}",
        booked_on=day,
        amount_minor=amount or pledge.amount_minor,
        currency="EUR",
        debtor_name=payer,
        debtor_iban=iban,
        debtor_bic="",
        reference=pledge.reference if reference else "",
        remittance=f"Colletta {pledge.campaign.beneficiary_name}",
        end_to_end_id="NOTPROVIDED",
    )


# Anna's and Marco's pledges, paid by the file in demo/: (reference key, name, e-mail, amount)
DEMO_PAYERS = {
    "anna": ("Anna Bianchi", "anna.bianchi@bicigialla.example", 10_000),
    "marco": ("Marco Ferrari", "marco.ferrari@bicigialla.example", 4_000),
}


def demo_statement(day) -> bytes:
    """`demo/camt053-bicigialla.xml`: Anna quotes her reference, Marco forgot his (the console
    suggests his pledge by name and amount), and a payment for a repair that is for no
    campaign. Written by `demo/make_demo_statement.py`."""

    def credit(number, name, iban, amount, reference, remittance):
        return bankfiles.BankCredit(
            line=number,
            bank_ref=f"DEMO-BG-{number:04d}",
            booked_on=day,
            amount_minor=amount,
            currency="EUR",
            debtor_name=name,
            debtor_iban=iban,
            debtor_bic="",
            reference=reference,
            remittance=remittance,
            end_to_end_id="NOTPROVIDED",
        )

    credits = [
        credit(
            101,
            "BIANCHI ANNA",
            "IT02L1234512345123456789012",
            DEMO_PAYERS["anna"][2],
            DEMO_REFERENCES["anna"],
            "Colletta e-bike Giulia",
        ),  # fmt: skip
        credit(
            102,
            "FERRARI MARCO",
            "IT21Q0300203280675273924243",
            DEMO_PAYERS["marco"][2],
            "",
            "Regalo per Giulia",
        ),  # fmt: skip
        credit(
            103,
            "CONTI LUCA",
            "IT40S0542811101000000654321",
            8_500,
            "",
            "Riparazione bici fattura 118",
        ),  # fmt: skip
    ]
    return statement_files.camt053(credits, account_iban=SHOP_IBAN, statement_id="BG-2026-48")


def load_chipin(business, now) -> dict:
    """Write the demo's chip-in; how many of each."""
    from peerarmy.chipin.products_import import import_products

    owner, staff = _team(business)
    program = Program.objects.get(business=business, kind=ProgramKind.CHIP_IN)
    services.update_settings(
        business,
        owner,
        program,
        ChipInSettingsInput(
            match_percent=10,
            match_cap_minor=10_000,
            min_pledge_minor=500,
            max_days=60,
            allow_overfunding=False,
            payment_days=7,
        ),
    )
    RewardSettings.objects.filter(business=business, debtor_iban="").update(
        debtor_name="Bici Gialla di Davide Gualandi", debtor_iban=SHOP_IBAN
    )
    products = import_products(
        business,
        owner,
        PRODUCTS_FILE.read_bytes(),
        filename=PRODUCTS_FILE.name,
        fetch_pictures=False,
    )
    # The export's picture addresses are Shopify's: the demo never fetches them.
    Product.objects.filter(business=business).update(image_source="")
    catalogue = {p.handle: p for p in services.selectors.products(business, active_only=True)}
    ebike = next(p for h, p in sorted(catalogue.items()) if p.price_minor >= 100_000)
    seat = min(catalogue.values(), key=lambda p: p.price_minor)

    giulia = get_user_model().objects.get(email="peer@bicigialla.example")
    # a peer of the army (not Giulia) who spreads her campaign
    peer = (
        Peer.objects.filter(business=business, status=PeerStatus.ACTIVE)
        .exclude(user=giulia)
        .order_by("pk")
        .first()
    )
    lorenzo = _person("lorenzo.neri@bicigialla.example", "Lorenzo", "Neri")
    chiara = _person("chiara.fabbri@bicigialla.example", "Chiara", "Fabbri")
    day = now.date()

    # 1. collecting now: Giulia's e-bike, half funded
    running = services.start_campaign(
        business,
        giulia,
        CampaignInput(
            program_id=program.pk,
            product_id=ebike.pk,
            title="La mia e-bike per andare al lavoro",
            message="Dodici chilometri al giorno tra Casalecchio e il centro: con una e-bike "
            "lascio la macchina a casa. Grazie a chi darà una mano!",
            deadline=now + timedelta(days=21),
        ),
    ).value
    own = services.selectors.beneficiary_link(running)
    a_peer = services.share_link_for(business, running, _person(
        "federico.galli@bicigialla.example", "Federico", "Galli"))  # fmt: skip
    if peer is not None:
        from peerarmy.chipin.models import SharerKind

        peers_link = services.share_link(business, running, kind=SharerKind.PEER, peer=peer)
    else:
        peers_link = a_peer
    gifts = [
        (
            "Mamma e papà",
            "rinaldi.famiglia@bicigialla.example",
            30_000,
            own,
            False,
            "Brava Giulia!",
        ),
        ("Zia Paola", "paola.rinaldi@bicigialla.example", 10_000, own, False, ""),
        ("Tommaso", "tommaso.b@bicigialla.example", 5_000, peers_link, False, "Dai che ce la fai"),
        ("Elisa", "elisa.m@bicigialla.example", 8_000, a_peer, True, ""),
        ("Davide", "davide.s@bicigialla.example", 7_000, peers_link, False, ""),
    ]
    received = [
        _pledge(
            business,
            running,
            name,
            email,
            amount,
            via=via,
            anonymous=anon,
            message=msg,
            now=now - timedelta(days=6),
        )  # fmt: skip
        for name, email, amount, via, anon, msg in gifts
    ]
    # a friend who gave shares on: the next gift comes through her own link
    elisa_link = services.pledger_link(business, received[3])
    received.append(_pledge(business, running, "Nonna Lucia", "lucia.r@bicigialla.example", 5_000,
                            via=elisa_link, now=now - timedelta(days=5)))  # fmt: skip
    earlier = [
        _credit(
            p,
            p.name.upper(),
            f"IT{10 + i:02d}X0542811101000000{700000 + i:06d}"[:27],
            number=i + 1,
            day=day - timedelta(days=3),
        )  # fmt: skip
        for i, p in enumerate(received)
    ]
    earlier.append(
        bankfiles.BankCredit(
            line=len(earlier) + 1,
            bank_ref="DEMO-BG-0050",
            booked_on=day - timedelta(days=3),
            amount_minor=2_500,
            currency="EUR",
            debtor_name="ROSSI MARIA",
            debtor_iban="IT75A0306909606100000063924",
            debtor_bic="",
            reference="",
            remittance="regalo",
            end_to_end_id="NOTPROVIDED",
        )
    )
    reconcile_statement(
        business,
        staff,
        statement_files.camt053(earlier, account_iban=SHOP_IBAN, statement_id="BG-2026-47"),
        filename="estratto-conto-novembre.xml",
        now=now - timedelta(days=2),
    )
    for key, (name, email, amount) in DEMO_PAYERS.items():
        _pledge(business, running, name, email, amount, via=own if key == "anna" else peers_link,
                reference=DEMO_REFERENCES[key], now=now - timedelta(days=1))  # fmt: skip

    # 2. funded: Lorenzo's child seat, paid at the till, voucher partly used
    funded = services.start_campaign(
        business,
        lorenzo,
        CampaignInput(
            program_id=program.pk,
            product_id=seat.pk,
            title="Il seggiolino per la piccola Irene",
            message="Per portarla all'asilo in bici.",
            deadline=now + timedelta(days=10),
        ),
    ).value
    left = funded.pledge_ceiling_minor
    for name, email, share in (("Nonno Franco", "franco.neri@bicigialla.example", 2),
                               ("Marta", "marta.c@bicigialla.example", 1)):  # fmt: skip
        amount = left * share // 3 if share == 2 else left - (left * 2 // 3)
        pledge = _pledge(business, funded, name, email, amount, now=now - timedelta(days=4))
        services.record_till_payment(business, staff, pledge, TillPaymentInput(amount_minor=amount))
    funded = services.close_early(business, lorenzo, funded).value
    rewards.redeem_voucher(
        business,
        staff,
        VoucherRedemptionInput(
            code=funded.voucher.code, amount_minor=funded.voucher.value_minor // 2
        ),
    )

    # 3. not funded: Chiara's gift amount for a bike tour, money going back
    failed = services.start_campaign(
        business,
        chiara,
        CampaignInput(
            program_id=program.pk,
            goal_minor=60_000,
            title="Un tour in bici delle colline per i 30 anni di Chiara",
            deadline=now + timedelta(days=5),
        ),
    ).value
    back = [
        _pledge(
            business,
            failed,
            "Sofia",
            "sofia.l@bicigialla.example",
            5_000,
            now=now - timedelta(days=9),
        ),  # fmt: skip
        _pledge(
            business,
            failed,
            "Pietro",
            "pietro.g@bicigialla.example",
            7_500,
            refund_choice="voucher",
            now=now - timedelta(days=9),
        ),  # fmt: skip
    ]
    reconcile_statement(
        business,
        staff,
        statement_files.camt053(
            [
                _credit(p, p.name.upper(), iban, number=200 + i, day=day - timedelta(days=8))
                for i, (p, iban) in enumerate(
                    zip(
                        back,
                        ("IT60X0542811101000000111111", "IT60X0542811101000000222222"),
                        strict=True,
                    )  # fmt: skip
                )
            ],
            account_iban=SHOP_IBAN,
            statement_id="BG-2026-46",
        ),
        filename="estratto-conto-ottobre.xml",
        now=now - timedelta(days=7),
    )
    Campaign.objects.filter(pk=failed.pk).update(deadline=now - timedelta(hours=2))
    services.close_due_campaigns(now=now)
    batch = payouts.prepare_batch(business, staff, PayoutBatchInput(kind="refunds")).value
    Campaign.objects.filter(pk=running.pk).update(created_at=F("created_at") - timedelta(days=7))
    return {
        "products": products.value.created,
        "campaigns": 3,
        "pledges": Pledge.objects.filter(business=business).count(),
        "refund runs": 1 if batch.batch else 0,
    }
