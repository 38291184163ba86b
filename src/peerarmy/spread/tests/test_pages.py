"""The pages: the peer's share page (a link, a QR code and share buttons for every page they can
share, and their figures), the console's top referrers, the printable posters, and the link
previews (Open Graph, Twitter cards) of the public pages they open."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from peerarmy.chipin import services as chipin
from peerarmy.chipin.inputs import CampaignInput
from peerarmy.programs.models import ProgramKind
from peerarmy.resale.tests.helpers import category, public_listing, resale_program
from peerarmy.rewards.tests.test_statements import pdf_text
from peerarmy.sharing import services as sharing
from peerarmy.sharing.tests.helpers import asset, sharing_program
from peerarmy.spread import poster, services
from peerarmy.spread.models import ShareLink, TargetKind
from peerarmy.support.tests.factories import jpeg_with_gps
from peerarmy.tenancy.tests.factories import (
    ApplicantFactory,
    BusinessFactory,
    MembershipFactory,
    OwnerFactory,
    PeerFactory,
    ProgramFactory,
)

from .helpers import friend, go, landing_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(business):
    return OwnerFactory(business=business).user


@pytest.fixture
def giulia(business):
    return PeerFactory(business=business, display_name="Giulia R.")


@pytest.fixture
def shop(business, owner, giulia):
    """A shop with something of every kind to share: a program, a campaign, a rental, an item."""
    program = ProgramFactory(business=business, title_en="Cargo deliveries")
    chip_in = ProgramFactory(business=business, kind=ProgramKind.CHIP_IN)
    campaign = chipin.start_campaign(
        business,
        PeerFactory(business=business).user,
        CampaignInput(
            program_id=chip_in.pk,
            goal_minor=50_000,
            title="A cargo bike for Anna",
            deadline=timezone.now() + timedelta(days=20),
            public=True,
        ),
    ).value
    rentals = sharing_program(business, owner)
    bike = asset(business, owner, rentals, name_en="Blue cargo bike")
    sharing.add_asset_photo(business, owner, bike, jpeg_with_gps((400, 300)))
    resale = resale_program(business, owner)
    item = public_listing(
        business, giulia.user, owner, resale, category(business, owner, resale), title="Seggiolino"
    )
    return {
        "program": program,
        "campaign": campaign,
        "rentals": rentals,
        "asset": bike,
        "resale": resale,
        "listing": item,
    }


# --- the peer's share page -------------------------------------------------------------------


def test_the_share_page_gives_a_link_a_qr_code_and_buttons_for_every_page(
    client, business, giulia, shop
):
    client.force_login(giulia.user)

    response = client.get(f"/{business.slug}/me/share/")

    assert response.status_code == 200
    html = response.content.decode()
    kinds = set(ShareLink.objects.filter(peer=giulia).values_list("kind", flat=True))
    assert kinds == set(TargetKind.values)
    for link in ShareLink.objects.filter(peer=giulia):
        assert f"/{business.slug}/s/{link.code}/" in html
    for title in ("Cargo deliveries", "A cargo bike for Anna", "Blue cargo bike", "Seggiolino"):
        assert title in html
    links = ShareLink.objects.filter(peer=giulia).count()
    assert html.count('class="share-qr-code"') == links  # a QR code per link, inline
    assert "https://wa.me/?text=" in html and "mailto:?subject=" in html
    assert "data-share-url=" in html and "web/share.js" in html


def test_opening_the_share_page_again_makes_no_new_links(client, business, giulia, shop):
    client.force_login(giulia.user)
    client.get(f"/{business.slug}/me/share/")
    made = ShareLink.objects.count()

    client.get(f"/{business.slug}/me/share/")

    assert ShareLink.objects.count() == made


def test_a_campaign_link_opens_the_chip_in_page_that_credits_the_peer(
    client, business, giulia, shop
):
    from peerarmy.chipin.models import ShareLink as ChipInLink

    link = services.link_for(business, giulia, TargetKind.CAMPAIGN, shop["campaign"].pk)

    response = go(client, business, link)

    shared = ChipInLink.objects.get(campaign=shop["campaign"], peer=giulia)
    assert response["Location"] == (
        f"/{business.slug}/chip-in/{shop['campaign'].code}/?da={shared.token}"
    )


def test_the_share_page_shows_what_the_links_brought(client, business, giulia):
    link = landing_link(business, giulia)
    go(client, business, link)
    friend(business, link)
    client.force_login(giulia.user)

    html = client.get(f"/{business.slug}/me/share/").content.decode()

    figures = re.search(r'id="results-title".*?</section>', html, re.S).group(0)
    assert re.findall(r'class="num">(\d+)<', figures) == ["1", "1", "0", "0"]


def test_an_applicant_is_told_the_links_come_with_the_army(client, business):
    applicant = ApplicantFactory(business=business)
    client.force_login(applicant.user)

    response = client.get(f"/{business.slug}/me/share/")

    assert response.status_code == 200
    assert b"Once you are in the army" in response.content
    assert not ShareLink.objects.exists()


def test_the_share_page_needs_an_account(client, business):
    response = client.get(f"/{business.slug}/me/share/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the console -----------------------------------------------------------------------------


def test_the_console_lists_the_top_referrers_of_the_period(client, business, giulia):
    other = PeerFactory(business=business, display_name="Chiara M.")
    friend(business, landing_link(business, giulia), days_ago=3)
    friend(business, landing_link(business, giulia), days_ago=4)
    friend(business, landing_link(business, other), days_ago=50)  # before the period
    client.force_login(MembershipFactory(business=business, role="community").user)

    response = client.get(f"/{business.slug}/manage/share/")

    assert response.status_code == 200
    html = response.content.decode()
    table = re.search(r'id="referrers-title".*?</table>', html, re.S).group(0)
    assert "Giulia R." in table and "Chiara M." not in table
    wide = client.get(f"/{business.slug}/manage/share/?since=2020-01-01&until=2020-12-31")
    assert "Giulia R." not in re.search(
        r'id="referrers-title".*?</table>', wide.content.decode(), re.S
    ).group(0)


def test_a_period_that_ends_before_it_starts_is_refused_naming_the_field(client, business, owner):
    client.force_login(owner)

    response = client.get(f"/{business.slug}/manage/share/?since=2026-03-01&until=2026-02-01")

    assert response.status_code == 400
    assert response.context["form"].errors["until"] == [
        "The last day cannot come before the first."
    ]


def test_nobody_outside_the_team_sees_the_console(client, business, giulia):
    client.force_login(giulia.user)
    assert client.get(f"/{business.slug}/manage/share/").status_code == 403
    other_owner = OwnerFactory(business=BusinessFactory()).user
    client.force_login(other_owner)
    assert client.get(f"/{business.slug}/manage/share/").status_code == 403
    assert client.get(f"/{business.slug}/manage/share/poster.pdf").status_code == 403


# --- posters ---------------------------------------------------------------------------------


def test_the_counter_poster_is_an_a4_pdf_with_the_shop_and_its_link(client, business, owner):
    client.force_login(owner)

    response = client.get(f"/{business.slug}/manage/share/poster.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    shop = services.shop_link(business)
    made = poster.poster_pdf(
        poster.poster_for(business, shop, f"https://example.org/s/{shop.code}/"), compress=False
    )
    text = pdf_text(made)
    assert business.name in text
    assert "Join the Bici Gialla army" in text
    assert f"https://example.org/s/{shop.code}/" in text
    assert b"/MediaBox [0 0 595.28 841.89]" in made  # A4


def test_a_peer_s_poster_is_in_their_language_and_names_them(client, business, giulia):
    client.force_login(giulia.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"

    response = client.get(f"/{business.slug}/me/share/poster.pdf")

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert b"/Lang (it)" in response.content
    words = poster.poster_for(business, landing_link(business, giulia), "https://x.org/s/a/")
    assert words.credit == "Shared by Giulia R."
    assert words.headline == "Join the Bici Gialla army"


def test_a_peer_cannot_print_someone_else_s_link(client, business, giulia):
    theirs = landing_link(business, PeerFactory(business=business))
    client.force_login(giulia.user)

    response = client.get(f"/{business.slug}/me/share/poster.pdf?link={theirs.code}")

    assert response.status_code == 404


# --- link previews ---------------------------------------------------------------------------


def _meta(html, name):
    return re.findall(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)


def _pages(business, shop):
    return {
        "landing": f"/{business.slug}/",
        "program": f"/{business.slug}/programs/{shop['program'].slug}/",
        "campaign": f"/{business.slug}/chip-in/{shop['campaign'].code}/",
        "rental": f"/{business.slug}/sharing/{shop['rentals'].slug}/{shop['asset'].code}/",
        "listing": f"/{business.slug}/resale/{shop['resale'].slug}/{shop['listing'].code}/",
    }


@pytest.mark.parametrize("page", ["landing", "program", "campaign", "rental", "listing"])
def test_every_public_page_has_one_preview_of_each_kind(client, business, shop, page):
    url = _pages(business, shop)[page]

    html = client.get(url).content.decode()

    for name in ("og:title", "og:description", "og:url", "og:site_name", "twitter:card"):
        assert len(_meta(html, name)) == 1, (page, name)
    assert _meta(html, "og:url")[0].endswith(url)
    assert _meta(html, "og:url")[0].startswith("http")


@pytest.mark.parametrize("page", ["rental", "listing"])
def test_a_page_with_a_photo_previews_it_large(client, business, shop, page):
    html = client.get(_pages(business, shop)[page]).content.decode()

    assert _meta(html, "twitter:card") == ["summary_large_image"]
    (image,) = _meta(html, "og:image")
    assert image.startswith("http")


def test_the_program_page_previews_the_shop_s_photo(client, business, shop):
    business.cover = "covers/shop.jpg"
    business.save(update_fields=["cover"])

    html = client.get(_pages(business, shop)["program"]).content.decode()

    assert _meta(html, "og:image") == [f"{settings.SITE_URL}{business.cover_url}"]
    assert "Cargo deliveries" in _meta(html, "og:title")[0]


def test_private_pages_have_no_preview(client, business, giulia):
    client.force_login(giulia.user)
    html = client.get(f"/{business.slug}/me/share/").content.decode()
    assert _meta(html, "og:title") == []
