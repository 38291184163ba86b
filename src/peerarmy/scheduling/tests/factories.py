"""Factories for scheduling tests: blocks in Bologna that start in a few hours by default."""

from datetime import timedelta

import factory
from django.utils import timezone

from peerarmy.scheduling.models import Block, FairnessLimits
from peerarmy.tenancy.tests.factories import ProgramFactory


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    business = factory.SelfAttribute("program.business")
    starts_at = factory.LazyFunction(
        lambda: timezone.now().replace(microsecond=0) + timedelta(days=2)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    released_at = factory.LazyAttribute(lambda o: o.starts_at - timedelta(days=60))
    place_name = "Bici Gialla, Via del Pratello"
    address = "Via del Pratello 10, Bologna"
    latitude = "44.494900"
    longitude = "11.334300"
    capacity = 2
    reward_minor = 2500
    reward_points = 10

    @factory.post_generation
    def required_skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.required_skills.set(extracted)


class FairnessLimitsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FairnessLimits

    program = factory.SubFactory(ProgramFactory)
    business = factory.SelfAttribute("program.business")
