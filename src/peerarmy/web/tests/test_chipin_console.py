"""Chip-in in the console, as a shop owner uses it: every page in English and Italian, a
campaign started for a customer, a payment at the till, a bank statement that pays a pledge,
a suggested payment accepted, a campaign cancelled with a reason, products, and the roles
that may not see the money."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from peerarmy.chipin import services
from peerarmy.chipin.bankfiles import BankCredit as StatementCredit
from peerarmy.chipin.inputs import PledgeInput, StaffCampaignInput
from peerarmy.chipin.models import (
    BankCredit,
    Campaign,
    CampaignStatus,
    CreditStatus,
    PledgeStatus,
    Product,
    StatementUpload,
)
from peerarmy.chipin.references import format_rf
from peerarmy.chipin.statement_files import camt053
from peerarmy.programs.models import ProgramKind
from peerarmy.tenancy.models import Role
from peerarmy.tenancy.tests.factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

SHOP_IBAN = "IT60X0542811101000000123456"
PAYER_IBAN = "DE89370400440532013000"


def url(business, name, **kwargs):
    return reverse(f"web:{name}", kwargs={"business_slug": business.slug, **kwargs})


def speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return speaking(client, "en")


@pytest.fixture
def chipin_program(business):
    return ProgramFactory(business=business, kind=ProgramKind.CHIP_IN, title_en="Gifts together")


@pytest.fixture
def campaign(business, owner, chipin_program):
    return services.start_campaign_for(
        business,
        owner,
        StaffCampaignInput(
            program_id=chipin_program.pk,
            goal_minor=50_000,
            title="Giulia's e-bike",
            deadline=timezone.now() + timedelta(days=10),
            beneficiary_name="Giulia Rossi",
            beneficiary_email="giulia@example.com",
        ),
    ).value


def pledge_for(business, campaign, name="Anna Bianchi", amount=10_000, anonymous=False):
    made = services.make_pledge(
        business,
        campaign,
        PledgeInput(
            name=name,
            email=f"{name.split()[0].lower()}@example.com",
            amount_minor=amount,
            anonymous=anonymous,
        ),
    ).value
    return services.confirm_pledge(business, made.token).value


def statement(*credits):
    return camt053(list(credits), account_iban=SHOP_IBAN)


def credit(line, amount, *, reference="", name="ANNA BIANCHI", ref=None):
    return StatementCredit(
        line=line,
        bank_ref=ref or f"BANK-{line}-{amount}",
        booked_on=date.today(),
        amount_minor=amount,
        currency="EUR",
        debtor_name=name,
        debtor_iban=PAYER_IBAN,
        debtor_bic="",
        reference=reference,
        remittance="",
        end_to_end_id=f"E2E-{line}",
    )


def upload(client, business, data, name="statement.xml"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        url(business, "manage_chipin_statements"),
        {"file": SimpleUploadedFile(name, data, content_type="application/xml")},
    )


# --- every page, in both languages --------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "it"])
def test_every_page_renders_for_the_owner(client, owner, business, campaign, language):
    pledge = pledge_for(business, campaign, anonymous=True)
    product = services.create_product(
        business, owner, services.ProductInput(name_it="Bici", price_minor=90_000)
    ).value
    client.force_login(owner)
    done = upload(client, business, statement(credit(1, 10_000, reference=pledge.reference)))
    assert done.status_code == 302
    statement_id = StatementUpload.objects.get(business=business).pk
    speaking(client, language)
    pages = [
        url(business, "manage_chipin"),
        url(business, "manage_chipin_new"),
        url(business, "manage_chipin_campaign", campaign_id=campaign.pk),
        url(business, "manage_chipin_pledges"),
        url(business, "manage_chipin_statements"),
        url(business, "manage_chipin_statement", statement_id=statement_id),
        url(business, "manage_chipin_products"),
        url(business, "manage_chipin_product_new"),
        url(business, "manage_chipin_product", product_id=product.pk),
        url(business, "manage_chipin_refunds"),
        url(business, "manage_chipin_settings"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        text = response.content.decode()
        assert f'lang="{language}"' in text
        assert ">None<" not in text and "RUNNING" not in text, page
    campaign_page = client.get(pages[2]).content.decode()
    assert "Giulia Rossi" in campaign_page
    assert "Anna Bianchi" in campaign_page  # the shop sees the real name of an anonymous friend
    assert format_rf(pledge.reference) in campaign_page
    assert "?da=" in campaign_page  # the beneficiary's share link
    nav = client.get(pages[0]).content.decode()
    assert 'aria-current="page"' in nav
    if language == "it":
        assert ">Stato<" in campaign_page


def test_staff_start_a_campaign_for_a_customer_and_it_shows_its_progress(
    owner_client, business, chipin_program
):
    response = owner_client.post(
        url(business, "manage_chipin_new"),
        {
            "program": chipin_program.pk,
            "beneficiary_name": "Marco Verdi",
            "beneficiary_email": "marco@example.com",
            "title": "Marco's new saddle",
            "goal": "120,00",
            "deadline": (
                timezone.localtime(timezone.now(), business.tzinfo) + timedelta(days=5)
            ).strftime("%Y-%m-%dT%H:%M"),
            "public": "on",
        },
    )
    campaign = Campaign.objects.get(business=business, title="Marco's new saddle")
    assert response.status_code == 302
    assert campaign.goal_minor == 12_000 and campaign.beneficiary_name == "Marco Verdi"
    listing = owner_client.get(url(business, "manage_chipin")).content.decode()
    assert "Marco&#x27;s new saddle" in listing
    assert "Collecting" in listing  # the status in words
    assert "€0.00 of €120.00 (0%)" in listing


def test_without_a_published_chip_in_program_the_page_says_so(owner_client, business):
    page = owner_client.get(url(business, "manage_chipin_new")).content.decode()
    assert url(business, "manage_programs") in page
    assert 'name="beneficiary_email"' not in page


def test_bad_input_shows_the_error_next_to_the_field_and_stores_nothing(
    owner_client, business, chipin_program
):
    response = owner_client.post(
        url(business, "manage_chipin_new"),
        {
            "program": chipin_program.pk,
            "beneficiary_name": "Marco Verdi",
            "beneficiary_email": "not an address",
            "title": "Saddle",
            "goal": "twelve",
            "deadline": "",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "goal" in form.errors and "beneficiary_email" in form.errors
    assert "deadline" in form.errors
    assert "Enter an amount such as 12,50 or 12.50." in response.content.decode()
    assert not Campaign.objects.filter(business=business).exists()


def test_a_payment_at_the_till_moves_the_progress(owner_client, business, campaign):
    pledge = pledge_for(business, campaign)
    response = owner_client.post(
        url(business, "manage_chipin_till", pledge_id=pledge.pk),
        {f"till-{pledge.pk}-amount": "100"},
    )
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.RECEIVED and pledge.paid_at_till
    page = owner_client.get(url(business, "manage_chipin_campaign", campaign_id=campaign.pk))
    assert page.context["progress"].received == 10_000
    assert "€110.00 of €500.00 (22%)" in page.content.decode()  # with the shop's 10%


def test_a_till_payment_beyond_the_pledge_is_refused_next_to_the_amount(
    owner_client, business, campaign
):
    pledge = pledge_for(business, campaign)
    response = owner_client.post(
        url(business, "manage_chipin_till", pledge_id=pledge.pk),
        {f"till-{pledge.pk}-amount": "150"},
    )
    assert response.status_code == 400
    assert "Only €100.00 is left to pay on this pledge." in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.received_minor == 0


def test_a_camt_statement_pays_the_pledge_and_its_page_shows_it(owner_client, business, campaign):
    pledge = pledge_for(business, campaign)
    data = statement(credit(1, 10_000, reference=pledge.reference))
    response = upload(owner_client, business, data)
    upload_row = StatementUpload.objects.get(business=business)
    assert response.status_code == 302
    assert response["Location"] == url(
        business, "manage_chipin_statement", statement_id=upload_row.pk
    )
    page = owner_client.get(response["Location"]).content.decode()
    assert "1 credit: 1 matched, 0 to check, 0 not matched, 0 paid twice." in page
    assert "Matched to a pledge" in page and "Anna Bianchi" in page
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.RECEIVED

    again = owner_client.get(url(business, "manage_chipin_statements"))
    assert "statement.xml" in again.content.decode()
    replayed = upload(owner_client, business, data)
    assert replayed.status_code == 302
    followed = owner_client.get(replayed["Location"]).content.decode()
    assert "This statement was uploaded before: nothing changed." in followed


def test_a_file_that_is_not_a_statement_is_refused_next_to_the_file(owner_client, business):
    response = upload(owner_client, business, b"hello, world", name="notes.csv")
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not StatementUpload.objects.filter(business=business).exists()


def test_a_suggested_credit_is_accepted(owner_client, business, campaign):
    pledge = pledge_for(business, campaign)
    upload(owner_client, business, statement(credit(1, 10_000, name="BIANCHI ANNA")))
    found = BankCredit.objects.get(business=business)
    assert found.status == CreditStatus.SUGGESTED and found.suggested_pledge_id == pledge.pk
    page = owner_client.get(
        url(business, "manage_chipin_statement", statement_id=found.statement_id)
    ).content.decode()
    assert "Perhaps Anna Bianchi" in page and "A match to check" in page
    response = owner_client.post(
        url(business, "manage_chipin_credit_decide", credit_id=found.pk),
        {f"credit-{found.pk}-action": "accept"},
    )
    assert response.status_code == 302
    found.refresh_from_db()
    pledge.refresh_from_db()
    assert found.status == CreditStatus.MATCHED and pledge.status == PledgeStatus.RECEIVED


def test_an_unmatched_credit_is_assigned_by_the_reference_staff_type(
    owner_client, business, campaign
):
    pledge = pledge_for(business, campaign)
    upload(owner_client, business, statement(credit(1, 10_000, name="SOMEONE ELSE")))
    found = BankCredit.objects.get(business=business)
    assert found.status == CreditStatus.UNMATCHED
    decide = url(business, "manage_chipin_credit_decide", credit_id=found.pk)

    refused = owner_client.post(
        decide, {f"credit-{found.pk}-action": "assign", f"credit-{found.pk}-reference": "RF00 1"}
    )
    assert refused.status_code == 400
    assert "This is not a pledge&#x27;s reference" in refused.content.decode()

    done = owner_client.post(
        decide,
        {
            f"credit-{found.pk}-action": "assign",
            f"credit-{found.pk}-reference": format_rf(pledge.reference).lower(),
        },
    )
    assert done.status_code == 302
    found.refresh_from_db()
    assert found.pledge_id == pledge.pk and found.status == CreditStatus.MATCHED


def test_a_campaign_is_cancelled_with_a_reason(owner_client, business, campaign):
    cancel = url(business, "manage_chipin_cancel", campaign_id=campaign.pk)
    refused = owner_client.post(cancel, {"reason": ""})
    assert refused.status_code == 400
    assert "Say why, for the friends who gave." in refused.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING

    done = owner_client.post(cancel, {"reason": "Giulia found the bike second-hand."})
    assert done.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    page = owner_client.get(url(business, "manage_chipin_campaign", campaign_id=campaign.pk))
    assert "Giulia found the bike second-hand." in page.content.decode()
    assert "Cancelled" in page.content.decode()


def test_money_given_back_at_the_till(owner_client, business, campaign, owner):
    pledge = pledge_for(business, campaign)
    owner_client.post(
        url(business, "manage_chipin_till", pledge_id=pledge.pk),
        {f"till-{pledge.pk}-amount": "100"},
    )
    owner_client.post(
        url(business, "manage_chipin_cancel", campaign_id=campaign.pk), {"reason": "No bike."}
    )
    page = owner_client.get(url(business, "manage_chipin_refunds"))
    rows = page.context["rows"]
    assert [(r["refund"].holder, r["owed"]) for r in rows] == [("Anna Bianchi", 10_000)]
    assert "At the till" in page.content.decode()
    done = owner_client.post(
        url(business, "manage_chipin_refund_till", refund_id=rows[0]["refund"].pk)
    )
    assert done.status_code == 302
    after = owner_client.get(url(business, "manage_chipin_refunds"))
    assert after.context["rows"][0]["owed"] == 0


def test_a_community_manager_is_refused_the_money_pages(client, business, campaign):
    manager = MembershipFactory(business=business, role=Role.COMMUNITY).user
    client.force_login(manager)
    speaking(client, "en")
    assert client.get(url(business, "manage_chipin_statements")).status_code == 403
    assert client.get(url(business, "manage_chipin_refunds")).status_code == 403
    assert client.get(url(business, "manage_chipin")).status_code == 403
    tabs = client.get(url(business, "manage_support")).content.decode()
    assert url(business, "manage_chipin") not in tabs


def test_staff_see_the_campaign_without_the_owners_match_buttons(client, staff, business, campaign):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(staff)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.WAITING)
    page = client.get(url(business, "manage_chipin_campaign", campaign_id=campaign.pk))
    assert url(business, "manage_chipin_match_approve", campaign_id=campaign.pk) not in (
        page.content.decode()
    )
    assert "the owner decides" in page.content.decode()


def test_a_product_is_created_and_edited(owner_client, business):
    refused = owner_client.post(
        url(business, "manage_chipin_product_new"), {"name_it": "", "price": "abc"}
    )
    assert refused.status_code == 400
    assert set(refused.context["form"].errors) >= {"name_it", "price"}
    assert not Product.objects.filter(business=business).exists()

    made = owner_client.post(
        url(business, "manage_chipin_product_new"),
        {"name_it": "Bici elettrica", "name_en": "E-bike", "price": "1.299,00", "active": "on"},
    )
    product = Product.objects.get(business=business)
    assert made.status_code == 302 and product.price_minor == 129_900 and product.active
    edit = url(business, "manage_chipin_product", product_id=product.pk)
    page = owner_client.get(edit).content.decode()
    assert 'value="1,299.00"' in page or 'value="1299.00"' in page

    owner_client.post(edit, {"name_it": "Bici elettrica", "price": "1199,50"})
    product.refresh_from_db()
    assert product.price_minor == 119_950 and not product.active
    listing = owner_client.get(url(business, "manage_chipin_products")).content.decode()
    assert "Bici elettrica" in listing and "€1,199.50" in listing


def test_a_photo_that_is_not_a_picture_is_refused_on_the_photo_field(owner_client, business, owner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    product = services.create_product(
        business, owner, services.ProductInput(name_it="Casco", price_minor=5_000)
    ).value
    response = owner_client.post(
        url(business, "manage_chipin_product", product_id=product.pk),
        {
            "name_it": "Casco nuovo",
            "price": "50",
            "photo": SimpleUploadedFile("casco.jpg", b"not a picture", content_type="image/jpeg"),
        },
    )
    assert response.status_code == 400
    assert "photo" in response.context["photo_form"].errors
    product.refresh_from_db()
    assert product.name_it == "Casco" and not product.photo


def test_the_terms_of_a_program_are_saved_in_euros(owner_client, business, chipin_program):
    prefix = f"program-{chipin_program.pk}"
    response = owner_client.post(
        url(business, "manage_chipin_settings"),
        {
            "program": chipin_program.pk,
            f"{prefix}-match_percent": "15",
            f"{prefix}-match_cap": "80,00",
            f"{prefix}-min_pledge": "10",
            f"{prefix}-max_days": "30",
            f"{prefix}-payment_days": "5",
        },
    )
    assert response.status_code == 302
    terms = services.terms(business, chipin_program)
    assert (terms.match_percent, terms.match_cap_minor, terms.min_pledge_minor) == (
        15,
        8_000,
        1_000,
    )
    refused = owner_client.post(
        url(business, "manage_chipin_settings"),
        {"program": chipin_program.pk, f"{prefix}-match_percent": "150"},
    )
    assert refused.status_code == 400
    assert services.terms(business, chipin_program).match_percent == 15


def test_shopifys_products_file_is_imported_with_its_bad_lines_listed(owner_client, business):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (
        b"Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant SKU,Variant Price,"
        b"Image Src,Gift Card,Status\n"
        b"city-bike,City bike,<p>Light</p>,Title,Default Title,CB-1,499.00,,false,active\n"
        b"helmet,Helmet,,Title,Default Title,H-1,not a price,,false,active\n"
    )
    response = owner_client.post(
        url(business, "manage_chipin_shopify"),
        {"file": SimpleUploadedFile("products_export.csv", csv, content_type="text/csv")},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Import done: 1 new, 0 updated, 0 unchanged." in page
    assert "Line 3" in page
    assert Product.objects.get(business=business).price_minor == 49_900

    refused = owner_client.post(
        url(business, "manage_chipin_shopify"),
        {"file": SimpleUploadedFile("notes.csv", b"a,b\n1,2\n", content_type="text/csv")},
    )
    assert refused.status_code == 400
    assert "file" in refused.context["import_form"].errors
