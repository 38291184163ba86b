import pytest
from django_scopes import ScopeError, scope, scopes_disabled

from peerarmy.peers.models import Peer
from peerarmy.tenancy.tests.factories import PeerFactory


@pytest.mark.django_db
def test_a_query_that_forgets_the_business_fails_loudly(business, other_business):
    PeerFactory(business=business)
    PeerFactory(business=other_business)
    with scope(), pytest.raises(ScopeError):
        list(Peer.objects.all())


@pytest.mark.django_db
def test_a_scoped_query_sees_only_its_business(business, other_business):
    mine = PeerFactory(business=business)
    PeerFactory(business=other_business)
    with scope(business=business):
        assert list(Peer.objects.all()) == [mine]
    with scopes_disabled():
        assert Peer.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["\udcff", "bici\x00gialla", "\ud800"])
def test_a_slug_no_database_can_hold_names_no_business(business, slug):
    from peerarmy.errors import NotFound
    from peerarmy.tenancy.selectors import find_business, get_business_by_slug

    assert find_business(slug) is None
    with pytest.raises(NotFound):
        get_business_by_slug(slug)
    assert get_business_by_slug(business.slug) == business
