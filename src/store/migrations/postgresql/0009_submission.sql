-- 0009 (PostgreSQL): retraction and the concept and archived states of drafts; see
-- migrations/sqlite/0009_submission.sql (PostgreSQL changes the check in place).
ALTER TABLE registrations ADD COLUMN retracted TEXT;
ALTER TABLE drafts DROP CONSTRAINT drafts_state_check,
    ADD CONSTRAINT drafts_state_check CHECK (state IN ('concept', 'submitted', 'approved',
                                                       'rejected', 'withdrawn', 'archived'));
