"""The books guard themselves, so that even raw SQL cannot break them.

PostgreSQL:
- `rewards_entry` and `rewards_transaction` refuse any UPDATE or DELETE (a correction is a new,
  reversing transaction), except a DELETE in a transaction that deletes a whole business
  (`ledger.purge_business` sets `peerarmy.ledger_purge` for that transaction only);
- a deferred constraint trigger checks, at commit, that every transaction that got entries has
  two or more, that they sum to zero per unit, and that each entry's unit and business are its
  account's;
- `rewards_post` posts a transaction in one call: see ledger.py.

SQLite: triggers refuse UPDATE of entries and transactions, and DELETE unless the application
has switched on `peerarmy_ledger_purge()` (only the test suite's flush does, between tests);
outside the application that function does not exist, so a DELETE fails. SQLite has no
deferred triggers: the service layer checks the balance before writing.
"""

from django.db import migrations

PG_CREATE = r"""
CREATE OR REPLACE FUNCTION rewards_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- Deleting a whole business (ledger.purge_business) switches this on for its own
    -- transaction only; nothing ever updates an entry.
    IF TG_OP = 'DELETE' AND current_setting('peerarmy.ledger_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'ledger: % of % refused: the books are never changed, only corrected '
        'by a reversing transaction', TG_OP, TG_TABLE_NAME USING ERRCODE = 'PA003';
END
$fn$;

-- For each row: a statement that touches no row of the books (Django's cascades look
-- before they leap, but not always) is harmless and passes.
CREATE TRIGGER rewards_entry_immutable BEFORE UPDATE OR DELETE ON rewards_entry
    FOR EACH ROW EXECUTE FUNCTION rewards_refuse_change();
CREATE TRIGGER rewards_transaction_immutable BEFORE UPDATE OR DELETE ON rewards_transaction
    FOR EACH ROW EXECUTE FUNCTION rewards_refuse_change();

CREATE OR REPLACE FUNCTION rewards_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    v_count integer;
    v_unit text;
BEGIN
    -- An entry purged later in its own transaction (a whole business deleted) has nothing
    -- left to check.
    PERFORM 1 FROM rewards_entry WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT count(*) INTO v_count FROM rewards_entry WHERE transaction_id = NEW.transaction_id;
    IF v_count < 2 THEN
        RAISE EXCEPTION 'ledger: transaction % has % entry; it needs two or more',
            NEW.transaction_id, v_count USING ERRCODE = 'PA004';
    END IF;
    SELECT e.unit INTO v_unit FROM rewards_entry e WHERE e.transaction_id = NEW.transaction_id
        GROUP BY e.unit HAVING sum(e.amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: transaction % does not balance in %', NEW.transaction_id, v_unit
            USING ERRCODE = 'PA004';
    END IF;
    PERFORM 1 FROM rewards_account a, rewards_transaction t
        WHERE a.id = NEW.account_id AND t.id = NEW.transaction_id
          AND (a.unit <> NEW.unit OR a.business_id <> NEW.business_id
               OR t.business_id <> NEW.business_id);
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: entry % does not match its account or transaction', NEW.id
            USING ERRCODE = 'PA004';
    END IF;
    RETURN NULL;
END
$fn$;

CREATE CONSTRAINT TRIGGER rewards_entry_balanced AFTER INSERT ON rewards_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rewards_check_balanced();

-- Spend `p_amount` of a program's month, within `p_limit` (NULL: no budget, only counted).
-- The month is split into 8 shares; this connection spends from its own share with one
-- conditional UPDATE. When the share runs dry (or the budget changed), lock every share in
-- order, check the month's total against the budget, and share out what is left.
CREATE OR REPLACE FUNCTION rewards_charge_budget(
    p_business bigint, p_program bigint, p_month date, p_amount bigint, p_limit bigint
) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    v_slot integer := pg_backend_pid() % 8;
    v_spent bigint;
    v_free bigint;
BEGIN
    UPDATE rewards_budgetmonth SET spent_minor = spent_minor + p_amount
        WHERE program_id = p_program AND month = p_month AND slot = v_slot
          AND limit_minor IS NOT DISTINCT FROM p_limit
          AND (p_limit IS NULL OR spent_minor + p_amount <= quota_minor);
    IF FOUND THEN
        RETURN true;
    END IF;
    INSERT INTO rewards_budgetmonth (business_id, program_id, month, slot, spent_minor,
        quota_minor, limit_minor)
        SELECT p_business, p_program, p_month, s, 0, 0, p_limit FROM generate_series(0, 7) s
        ON CONFLICT (program_id, month, slot) DO NOTHING;
    SELECT sum(x.spent_minor) INTO v_spent FROM (
        SELECT m.spent_minor FROM rewards_budgetmonth m
        WHERE m.program_id = p_program AND m.month = p_month ORDER BY m.slot FOR UPDATE
    ) x;
    IF p_limit IS NOT NULL AND v_spent + p_amount > p_limit THEN
        UPDATE rewards_budgetmonth SET quota_minor = spent_minor, limit_minor = p_limit
            WHERE program_id = p_program AND month = p_month;
        RETURN false;
    END IF;
    UPDATE rewards_budgetmonth SET spent_minor = spent_minor + p_amount
        WHERE program_id = p_program AND month = p_month AND slot = v_slot;
    v_free := COALESCE(p_limit - v_spent - p_amount, 0);
    UPDATE rewards_budgetmonth
        SET quota_minor = spent_minor + v_free / 8 + CASE WHEN slot < v_free % 8 THEN 1 ELSE 0 END,
            limit_minor = p_limit
        WHERE program_id = p_program AND month = p_month;
    RETURN true;
END
$fn$;

CREATE OR REPLACE FUNCTION rewards_post(
    p_business bigint, p_key text, p_kind text, p_reason text, p_args jsonb, p_memo text,
    p_peer bigint, p_program bigint, p_claim bigint, p_reverses bigint, p_actor bigint,
    p_occurred timestamptz, p_now timestamptz,
    p_accounts bigint[], p_units text[], p_amounts bigint[], p_floored boolean[],
    p_slots integer[],
    b_program bigint, b_month date, b_amount bigint, b_limit bigint
) RETURNS TABLE (code text, txn_id bigint, account_id bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_id bigint;
    i integer;
BEGIN
    -- The same cause posts once.
    SELECT t.id INTO v_id FROM rewards_transaction t
        WHERE t.business_id = p_business AND t.key = p_key;
    IF FOUND THEN
        RETURN QUERY SELECT 'existing'::text, v_id, NULL::bigint;
        RETURN;
    END IF;
    -- The budget first, so that a refusal has written nothing and needs no rollback.
    IF b_program IS NOT NULL THEN
        IF NOT rewards_charge_budget(p_business, b_program, b_month, b_amount, b_limit) THEN
            RETURN QUERY SELECT 'over_budget'::text, NULL::bigint, NULL::bigint;
            RETURN;
        END IF;
    END IF;
    INSERT INTO rewards_transaction (business_id, key, kind, reason, reason_args, memo, peer_id,
        program_id, claim_id, reverses_id, actor_id, occurred_at, created_at)
    VALUES (p_business, p_key, p_kind, p_reason, p_args, p_memo, p_peer, p_program, p_claim,
        p_reverses, p_actor, p_occurred, p_now)
    ON CONFLICT (business_id, key) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        -- A concurrent posting of the same cause committed first: give the budget back
        -- (to the share it was taken from, which keeps spent within that share's quota).
        IF b_program IS NOT NULL THEN
            UPDATE rewards_budgetmonth SET spent_minor = spent_minor - b_amount
                WHERE program_id = b_program AND month = b_month
                  AND slot = pg_backend_pid() % 8;
        END IF;
        SELECT t.id INTO v_id FROM rewards_transaction t
            WHERE t.business_id = p_business AND t.key = p_key;
        RETURN QUERY SELECT 'existing'::text, v_id, NULL::bigint;
        RETURN;
    END IF;
    INSERT INTO rewards_entry (business_id, transaction_id, account_id, unit, amount, created_at)
        SELECT p_business, v_id, x.a, x.u, x.m, p_occurred
        FROM unnest(p_accounts, p_units, p_amounts) AS x(a, u, m);
    FOR i IN 1 .. array_length(p_accounts, 1) LOOP
        UPDATE rewards_balance b SET amount = b.amount + p_amounts[i]
            WHERE b.account_id = p_accounts[i]
              AND b.slot = CASE WHEN p_slots[i] > 1 THEN pg_backend_pid() % p_slots[i] ELSE 0 END
              AND (NOT p_floored[i] OR b.amount + p_amounts[i] <= 0);
        IF NOT FOUND THEN
            RAISE EXCEPTION 'ledger: not enough on account %', p_accounts[i]
                USING ERRCODE = 'PA002', DETAIL = p_accounts[i]::text;
        END IF;
    END LOOP;
    RETURN QUERY SELECT 'posted'::text, v_id, NULL::bigint;
END
$fn$;
"""

PG_DROP = r"""
DROP FUNCTION IF EXISTS rewards_post(bigint, text, text, text, jsonb, text, bigint, bigint,
    bigint, bigint, bigint, timestamptz, timestamptz, bigint[], text[], bigint[], boolean[],
    integer[], bigint, date, bigint, bigint);
DROP FUNCTION IF EXISTS rewards_charge_budget(bigint, bigint, date, bigint, bigint);
DROP TRIGGER IF EXISTS rewards_entry_balanced ON rewards_entry;
DROP FUNCTION IF EXISTS rewards_check_balanced();
DROP TRIGGER IF EXISTS rewards_entry_immutable ON rewards_entry;
DROP TRIGGER IF EXISTS rewards_transaction_immutable ON rewards_transaction;
DROP FUNCTION IF EXISTS rewards_refuse_change();
"""

SQLITE_TRIGGERS = [
    (table, op, when)
    for table in ("rewards_entry", "rewards_transaction")
    for op, when in (("UPDATE", ""), ("DELETE", "WHEN NOT peerarmy_ledger_purge()"))
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        for table, op, when in SQLITE_TRIGGERS:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} {when} "
                f"BEGIN SELECT RAISE(ABORT, 'ledger: {op} of {table} refused: the books are "
                f"never changed, only corrected by a reversing transaction'); END"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        for table, op, _when in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()}")


class Migration(migrations.Migration):
    dependencies = [("rewards", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
