-- Account security (issue 10): idle timeouts for sessions, personal API
-- tokens, and the per-email sign-in backoff.

-- When the session was last used, touched at most once a minute; a session
-- unused for longer than its role's idle timeout is refused. `expires_at`
-- stays the absolute end of the session.
alter table sessions add column last_seen_at timestamptz not null default now();

-- Personal API tokens for third parties. Only the SHA-256 of the token is
-- kept; the token itself is shown once, when it is created.
create table api_tokens (
    id           uuid        primary key default gen_random_uuid(),
    user_id      uuid        not null,
    name         text        not null,
    token_hash   bytea       not null,
    scopes       text[]      not null,
    created_at   timestamptz not null default now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    constraint api_tokens_token_hash_key unique (token_hash),
    constraint api_tokens_user_id_fkey foreign key (user_id) references users (id) on delete cascade,
    constraint api_tokens_name_length check (char_length(name) between 1 and 100),
    constraint api_tokens_scopes_valid
        check (cardinality(scopes) >= 1 and scopes <@ array['read', 'book', 'admin']::text[]),
    constraint api_tokens_expiry_after_creation check (expires_at is null or expires_at > created_at)
);
create index api_tokens_user_id_idx on api_tokens (user_id);

-- Failed sign-ins per email, whether or not an account has it. Keyed by the
-- SHA-256 of the normalised (lower-cased) email so the table holds no
-- addresses; reset by a successful sign-in.
create table login_failures (
    email_hash     bytea       primary key,
    failures       int4        not null,
    last_failed_at timestamptz not null default now(),
    blocked_until  timestamptz,
    constraint login_failures_failures_positive check (failures >= 1)
);
