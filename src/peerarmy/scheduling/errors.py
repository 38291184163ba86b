"""Why a claim, release or check-in was refused: stable codes the API will answer with."""

from django.utils.translation import gettext_lazy as _

from peerarmy.errors import DomainError


class SchedulingError(DomainError):
    status = 409


class BlockFull(SchedulingError):
    code = "block_full"
    default_message = _("This block is full. You can join its waitlist.")


class OverlapsClaimedBlock(SchedulingError):
    code = "overlaps_claimed_block"
    default_message = _("It overlaps a block you have already claimed.")


class WeeklyHoursExceeded(SchedulingError):
    code = "weekly_hours_exceeded"
    default_message = _("It would take you over the maximum hours per week.")


class MinRestViolated(SchedulingError):
    code = "min_rest_violated"
    default_message = _("It leaves too little rest after or before another block of yours.")


class TooManyFutureBlocks(SchedulingError):
    code = "too_many_future_blocks"
    default_message = _("You already hold as many upcoming blocks as the program allows.")


class NotReleasedYet(SchedulingError):
    code = "not_released_yet"
    default_message = _("This block cannot be claimed yet.")


class NotEligible(SchedulingError):
    code = "not_eligible"
    status = 403
    default_message = _("You are not eligible for this block.")

    def __init__(self, message=None, *, reasons=(), **kwargs):
        self.reasons = list(reasons)
        if message is None and self.reasons:
            message = " ".join(str(r) for r in self.reasons)
        super().__init__(message, **kwargs)


class PastForfeitCutoff(SchedulingError):
    code = "past_forfeit_cutoff"
    default_message = _("It is too late to release this block; ask the staff.")


class BlockCancelled(SchedulingError):
    code = "block_cancelled"
    default_message = _("This block has been cancelled.")


class BlockStarted(SchedulingError):
    code = "block_started"
    default_message = _("This block has already started.")


class AlreadyClaimed(SchedulingError):
    code = "already_claimed"
    default_message = _("You have already claimed this block.")


class NotFull(SchedulingError):
    code = "block_not_full"
    default_message = _("This block still has free seats: claim it instead.")


class AlreadyWaiting(SchedulingError):
    code = "already_waiting"
    default_message = _("You are already on the waitlist of this block.")


class OutsideCheckInWindow(SchedulingError):
    code = "outside_check_in_window"
    default_message = _("Check-in and check-out open 30 minutes before the block starts.")


class TooFarToCheckIn(SchedulingError):
    code = "too_far_to_check_in"
    default_message = _("You are too far from the place of the block to check in.")


class SwapNotPending(SchedulingError):
    code = "swap_not_pending"
    default_message = _("This swap offer is no longer open.")


class SwapNotYours(SchedulingError):
    code = "swap_not_yours"
    status = 403
    default_message = _("This swap offer is not yours to answer.")


# The rules a peer's own claims can break, by the code `rules.fairness_problem` answers.
FAIRNESS_ERRORS = {
    "already_claimed": AlreadyClaimed,
    "overlaps_claimed_block": OverlapsClaimedBlock,
    "min_rest_violated": MinRestViolated,
    "weekly_hours_exceeded": WeeklyHoursExceeded,
    "too_many_future_blocks": TooManyFutureBlocks,
}


def fairness_error(code) -> SchedulingError:
    return FAIRNESS_ERRORS[code]()
