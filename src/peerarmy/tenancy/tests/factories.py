"""Factories other apps build on: a business, its owner and staff, a peer, a program."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from peerarmy.customers.models import Customer
from peerarmy.peers.models import LanguageLevel, Peer, PeerLanguage, PeerStatus, Skill
from peerarmy.programs.models import Program, ProgramKind, ProgramStatus
from peerarmy.tenancy.models import Business, Membership, Role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    slug = factory.Sequence(lambda n: f"shop{n}")
    name = factory.Sequence(lambda n: f"Shop {n}")
    city = "Bologna"
    default_language = "it"
    timezone = "Europe/Rome"
    tagline_it = "Il negozio di quartiere"
    tagline_en = "The neighbourhood shop"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    business = factory.SubFactory(BusinessFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.STAFF


class OwnerFactory(MembershipFactory):
    role = Role.OWNER


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    business = factory.SubFactory(BusinessFactory)
    slug = factory.Sequence(lambda n: f"skill-{n}")
    name_it = factory.Sequence(lambda n: f"Abilità {n}")
    name_en = factory.Sequence(lambda n: f"Skill {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    business = factory.SubFactory(BusinessFactory)
    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class PeerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Peer
        skip_postgeneration_save = True

    business = factory.SubFactory(BusinessFactory)
    user = factory.SubFactory(UserFactory)
    status = PeerStatus.ACTIVE
    display_name = factory.Faker("first_name")
    bio = "I love bikes."
    home_address = "Via Zamboni 33, Bologna"
    latitude = "44.496800"
    longitude = "11.352700"
    travel_radius_km = 10

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        if not create:
            return
        for code in extracted if extracted is not None else ["it", "en"]:
            PeerLanguage.objects.create(
                business=self.business, peer=self, language=code, level=LanguageLevel.FLUENT
            )

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)


class ApplicantFactory(PeerFactory):
    status = PeerStatus.APPLICANT


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    business = factory.SubFactory(BusinessFactory)
    kind = ProgramKind.DELIVERY
    slug = factory.Sequence(lambda n: f"program-{n}")
    status = ProgramStatus.PUBLISHED
    title_it = factory.Sequence(lambda n: f"Programma {n}")
    title_en = factory.Sequence(lambda n: f"Program {n}")
    summary_it = "Consegne in bici in centro"
    summary_en = "Bike deliveries in the centre"
