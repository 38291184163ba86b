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
