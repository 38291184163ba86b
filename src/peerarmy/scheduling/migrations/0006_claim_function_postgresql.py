"""On PostgreSQL, the common claim in one round trip: `scheduling_quick_claim`.

It does what `services._claim` does, inside the database, for the claims that pass every rule:
lock the peer's row, read the block, check the rules, take the seat, write the claim and the
outbox row of its confirmation. It is *conservative*: whenever a rule would refuse the claim,
or the answer is close to a limit (a distance within 10 m of a radius), it writes nothing and
answers `check`, and the service decides in Python, with its reasons in words. So it can only
ever claim less than the Python rules allow, never more; `test_quick_claim.py` checks that on
random cases. The refusals it gives itself are the ones that need no words from Python:
`block_full` and the fairness limits (`already_claimed`, `overlaps_claimed_block`,
`min_rest_violated`, `weekly_hours_exceeded`, `too_many_future_blocks`), in the order of
`rules.fairness_problem`.

Answers (code, claim_id, starts_at, ends_at, message_id): `claimed` with the new claim, `existing` with
the claim an earlier call made under the same idempotency key, `block_full`, `check`, or
`not_found` (no such block in the peer's business).

Limits without a FairnessLimits row come from the caller (rules.Limits' defaults), so that
they are written in one place.
"""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION scheduling_quick_claim(
    p_peer bigint, p_block bigint, p_now timestamptz, p_key text,
    d_hours integer, d_rest integer, d_future integer
) RETURNS TABLE (code text, claim_id bigint, starts timestamptz, ends timestamptz,
               message_id bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_business bigint;
    v record;
    v_tz text;
    v_since timestamptz;
    v_week_start timestamptz;
    v_week_end timestamptz;
    v_rest interval;
    v_problem text;
    v_week_seconds double precision;
    v_future integer;
    v_distance double precision;
    v_claim bigint;
    v_message bigint;
    v_starts timestamptz;
    v_ends timestamptz;
BEGIN
    -- A full block answers at once, before any lock (most of a crowd finds it full).
    SELECT p.business_id INTO v_business FROM peers_peer p WHERE p.id = p_peer;
    PERFORM 1 FROM scheduling_block b
     WHERE b.id = p_block AND b.business_id = v_business AND b.status = 'open'
       AND b.seats_taken >= b.capacity
       AND NOT EXISTS (SELECT 1 FROM scheduling_claim c WHERE c.block_id = b.id
                       AND c.peer_id = p_peer AND c.status = 'active');
    IF FOUND AND p_key IS NULL THEN
        RETURN QUERY SELECT 'block_full'::text, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
            NULL::bigint;
        RETURN;
    END IF;

    -- Lock the peer: one peer's claims run one after the other (services' lock order).
    SELECT p.status AS peer_status, p.reliability, p.latitude AS plat, p.longitude AS plon,
           p.travel_radius_km, u.email, u.language AS user_language,
           b.status AS block_status, b.starts_at, b.ends_at, b.released_at, b.capacity,
           b.seats_taken, b.required_languages AS block_languages,
           b.min_reliability AS block_min, b.max_distance_km, b.is_remote,
           b.latitude AS blat, b.longitude AS blon, b.program_id,
           g.status AS program_status, g.required_languages AS program_languages,
           g.min_reliability AS program_min,
           z.timezone, z.default_language,
           coalesce(f.max_hours_per_week, d_hours) AS max_hours,
           coalesce(f.min_rest_minutes, d_rest) AS min_rest,
           coalesce(f.max_future_blocks, d_future) AS max_future
      INTO v
      FROM peers_peer p
      JOIN accounts_user u ON u.id = p.user_id
      JOIN scheduling_block b ON b.id = p_block AND b.business_id = p.business_id
      JOIN programs_program g ON g.id = b.program_id
      JOIN tenancy_business z ON z.id = b.business_id
      LEFT JOIN scheduling_fairnesslimits f ON f.program_id = g.id
     WHERE p.id = p_peer
       FOR UPDATE OF p;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
            NULL::bigint;
        RETURN;
    END IF;

    IF p_key IS NOT NULL THEN
        SELECT c.id, c.starts_at, c.ends_at INTO v_claim, v_starts, v_ends
          FROM scheduling_claim c WHERE c.peer_id = p_peer AND c.idempotency_key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT 'existing'::text, v_claim, v_starts, v_ends, NULL::bigint;
            RETURN;
        END IF;
    END IF;

    -- The block and the program.
    IF v.block_status <> 'open' OR v.starts_at <= p_now OR v.released_at > p_now
       OR v.peer_status <> 'active' OR v.program_status <> 'published' THEN
        RETURN QUERY SELECT 'check'::text, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
            NULL::bigint;
        RETURN;
    END IF;
    IF v.seats_taken >= v.capacity THEN
        RETURN QUERY SELECT 'block_full'::text, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
            NULL::bigint;
        RETURN;
    END IF;

    -- Eligibility: skills, languages, reliability, distance.
    IF EXISTS (SELECT 1 FROM scheduling_block_required_skills s WHERE s.block_id = p_block
               AND s.skill_id NOT IN (SELECT ps.skill_id FROM peers_peer_skills ps
                                      WHERE ps.peer_id = p_peer))
       OR EXISTS (SELECT 1 FROM programs_program_required_skills s
                  WHERE s.program_id = v.program_id
                  AND s.skill_id NOT IN (SELECT ps.skill_id FROM peers_peer_skills ps
                                         WHERE ps.peer_id = p_peer))
       OR (jsonb_array_length(v.program_languages) > 0 AND NOT EXISTS (
             SELECT 1 FROM peers_peerlanguage l WHERE l.peer_id = p_peer
             AND l.language IN (SELECT jsonb_array_elements_text(v.program_languages))))
       OR (jsonb_array_length(v.block_languages) > 0 AND NOT EXISTS (
             SELECT 1 FROM peers_peerlanguage l WHERE l.peer_id = p_peer
             AND l.language IN (SELECT jsonb_array_elements_text(v.block_languages))))
       OR (greatest(v.program_min, v.block_min) > 0
           AND (v.reliability IS NULL OR v.reliability < greatest(v.program_min, v.block_min)))
    THEN
        RETURN QUERY SELECT 'check'::text, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
            NULL::bigint;
        RETURN;
    END IF;
    IF NOT v.is_remote AND v.blat IS NOT NULL AND v.blon IS NOT NULL THEN
        IF v.plat IS NULL OR v.plon IS NULL THEN
            IF v.max_distance_km IS NOT NULL THEN
                RETURN QUERY SELECT 'check'::text, NULL::bigint, NULL::timestamptz,
                                    NULL::timestamptz, NULL::bigint;
                RETURN;
            END IF;
        ELSE
            v_distance := 2 * 6371.0088 * asin(least(1.0, sqrt(
                sin(radians((v.blat - v.plat)::float8) / 2) ^ 2
                + cos(radians(v.plat::float8)) * cos(radians(v.blat::float8))
                  * sin(radians((v.blon - v.plon)::float8) / 2) ^ 2)));
            -- 10 m short of each limit: at the limit itself, Python decides.
            IF v_distance > v.travel_radius_km - 0.01
               OR (v.max_distance_km IS NOT NULL AND v_distance > v.max_distance_km - 0.01) THEN
                RETURN QUERY SELECT 'check'::text, NULL::bigint, NULL::timestamptz,
                                    NULL::timestamptz, NULL::bigint;
                RETURN;
            END IF;
        END IF;
    END IF;

    -- Fairness: the peer's held claims (this ISO week's and later, in local time).
    v_tz := v.timezone;
    v_since := least(
        (date_trunc('week', p_now AT TIME ZONE v_tz)) AT TIME ZONE v_tz,
        p_now - interval '1 day');
    v_week_start := (date_trunc('week', v.starts_at AT TIME ZONE v_tz)) AT TIME ZONE v_tz;
    v_week_end := (date_trunc('week', v.starts_at AT TIME ZONE v_tz) + interval '7 days')
                  AT TIME ZONE v_tz;
    v_rest := make_interval(mins => v.min_rest);
    SELECT CASE
             WHEN coalesce(bool_or(c.block_id = p_block), false) THEN 'already_claimed'
             WHEN coalesce(bool_or(c.starts_at < v.ends_at AND c.ends_at > v.starts_at), false)
               THEN 'overlaps_claimed_block'
             WHEN coalesce(bool_or(c.starts_at < v.ends_at + v_rest
                                   AND c.ends_at > v.starts_at - v_rest), false)
               THEN 'min_rest_violated'
           END,
           coalesce(sum(extract(epoch FROM c.ends_at - c.starts_at))
                    FILTER (WHERE c.starts_at >= v_week_start AND c.starts_at < v_week_end), 0),
           count(*) FILTER (WHERE c.ends_at > p_now)
      INTO v_problem, v_week_seconds, v_future
      FROM scheduling_claim c
     WHERE c.peer_id = p_peer AND c.business_id = v_business AND c.status = 'active'
       AND c.ends_at > v_since;
    -- The limits in the order of rules.fairness_problem; these refusals need no words from
    -- Python, so they are answered here.
    IF v_problem IS NULL
       AND v_week_seconds + extract(epoch FROM v.ends_at - v.starts_at) > v.max_hours * 3600 THEN
        v_problem := 'weekly_hours_exceeded';
    END IF;
    IF v_problem IS NULL AND v_future >= v.max_future THEN
        v_problem := 'too_many_future_blocks';
    END IF;
    IF v_problem IS NOT NULL THEN
        RETURN QUERY SELECT v_problem, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
            NULL::bigint;
        RETURN;
    END IF;

    -- Take the seat; the times come from the row this UPDATE wrote.
    UPDATE scheduling_block SET seats_taken = seats_taken + 1
     WHERE id = p_block AND seats_taken < capacity AND status = 'open'
    RETURNING scheduling_block.starts_at, scheduling_block.ends_at INTO v_starts, v_ends;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'block_full'::text, NULL::bigint, NULL::timestamptz, NULL::timestamptz,
            NULL::bigint;
        RETURN;
    END IF;
    IF v_starts <> v.starts_at OR v_ends <> v.ends_at THEN
        -- The block moved while this call waited for it: let Python judge the new times.
        RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
            MESSAGE = 'scheduling_quick_claim: the block moved';
    END IF;

    INSERT INTO scheduling_claim (business_id, block_id, peer_id, status, starts_at, ends_at,
                                  claimed_at, released_late, idempotency_key,
                                  promoted_from_waitlist)
    VALUES (v_business, p_block, p_peer, 'active', v_starts, v_ends, p_now, false, p_key, false)
    RETURNING id INTO v_claim;

    UPDATE scheduling_waitlistentry SET status = 'left', decided_at = p_now
     WHERE block_id = p_block AND peer_id = p_peer AND status = 'waiting';

    INSERT INTO notifications_outboxmessage (business_id, channel, event, recipient, subject,
        body_text, body_html, payload, renderer, attachments, language, status, attempts,
        next_attempt_at, created_at, last_error)
    VALUES (v_business, 'email', 'block.claimed', v.email, '', '', '',
        jsonb_build_object('claim_id', v_claim, 'template', 'claimed'), 'scheduling.claim',
        '[]'::jsonb, coalesce(nullif(v.user_language, ''), v.default_language), 'pending', 0,
        now(), now(), '')
    RETURNING id INTO v_message;

    RETURN QUERY SELECT 'claimed'::text, v_claim, v_starts, v_ends, v_message;
END
$fn$;
"""
DROP = (
    "DROP FUNCTION IF EXISTS scheduling_quick_claim("
    "bigint, bigint, timestamptz, text, integer, integer, integer);"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_claim_drop_covered_fk_indexes"),
        ("notifications", "0004_outbox_due_index"),
        ("peers", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
