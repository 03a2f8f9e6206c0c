-- A gateway database as main at 26eeac7 left it (schema version 4, versions in usage_schema): one chat
-- request, one uploaded file and one completed batch. Made with pg_dump --inserts --no-owner
-- --no-privileges --no-comments; psql's \\restrict lines removed.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: gateway_batch_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.gateway_batch_lines (
    batch_id text NOT NULL,
    line_number integer NOT NULL,
    custom_id text NOT NULL,
    model text NOT NULL,
    body text NOT NULL,
    done integer NOT NULL,
    status_code integer,
    request_id text,
    response text,
    error text
);


--
-- Name: gateway_batches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.gateway_batches (
    id text NOT NULL,
    owner text NOT NULL,
    groups text NOT NULL,
    endpoint text NOT NULL,
    input_file_id text NOT NULL,
    completion_window text NOT NULL,
    status text NOT NULL,
    metadata text,
    errors text,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    in_progress_at bigint,
    finalizing_at bigint,
    completed_at bigint,
    failed_at bigint,
    expired_at bigint,
    cancelling_at bigint,
    cancelled_at bigint,
    total integer NOT NULL,
    completed integer NOT NULL,
    failed integer NOT NULL,
    output_file_id text,
    error_file_id text,
    lease_owner text,
    lease_until bigint
);


--
-- Name: gateway_file_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.gateway_file_lines (
    file_id text NOT NULL,
    line_number integer NOT NULL,
    text text NOT NULL
);


--
-- Name: gateway_files; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.gateway_files (
    id text NOT NULL,
    owner text NOT NULL,
    purpose text NOT NULL,
    filename text NOT NULL,
    bytes bigint NOT NULL,
    line_count integer NOT NULL,
    created_at bigint NOT NULL,
    complete integer NOT NULL,
    ends_with_lf integer NOT NULL
);


--
-- Name: usage_records; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_records (
    id bigint NOT NULL,
    time_utc text NOT NULL,
    day text NOT NULL,
    request_id text NOT NULL,
    user_id text NOT NULL,
    groups text NOT NULL,
    model text NOT NULL,
    endpoint_id text,
    route text NOT NULL,
    status integer NOT NULL,
    prompt_tokens integer NOT NULL,
    completion_tokens integer NOT NULL,
    total_tokens integer NOT NULL,
    total_ms double precision NOT NULL,
    upstream_ms double precision,
    attempts integer NOT NULL,
    streamed integer NOT NULL,
    batch_id text
);


--
-- Name: usage_records_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.usage_records_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: usage_records_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.usage_records_id_seq OWNED BY public.usage_records.id;


--
-- Name: usage_schema; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_schema (
    version integer NOT NULL
);


--
-- Name: usage_totals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_totals (
    scope text NOT NULL,
    day text NOT NULL,
    tokens bigint NOT NULL
);


--
-- Name: usage_records id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_records ALTER COLUMN id SET DEFAULT nextval('public.usage_records_id_seq'::regclass);


--
-- Data for Name: gateway_batch_lines; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.gateway_batch_lines VALUES ('batch_cd88715887b140faa262a0a0663e0a15', 1, 'line-1', 'mock-gpt', '{"model":"mock-gpt","messages":[{"role":"user","content":"batch fixture"}]}', 1, 200, '6faade777cb34dc59b62711e488435b8', '{"id":"chatcmpl-mock-6faade777cb34dc59b62711e488435b8","object":"chat.completion","created":1796144480,"model":"mock-gpt","choices":[{"index":0,"message":{"role":"assistant","content":"batch fixture"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}', NULL);


--
-- Data for Name: gateway_batches; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.gateway_batches VALUES ('batch_cd88715887b140faa262a0a0663e0a15', 'fixture-user', '[]', '/v1/chat/completions', 'file-234f6726324f4ba4aae6c1b646f6431b', '24h', 'completed', NULL, NULL, 1796144480, 1796230880, 1796144480, 1796144480, 1796144480, NULL, NULL, NULL, NULL, 1, 1, 0, 'file-06d513e8f92d49edb4de0aa3597e3a3f', NULL, NULL, NULL);


--
-- Data for Name: gateway_file_lines; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.gateway_file_lines VALUES ('file-234f6726324f4ba4aae6c1b646f6431b', 0, '{"custom_id":"line-1","method":"POST","url":"/v1/chat/completions","body":{"model":"mock-gpt","messages":[{"role":"user","content":"batch fixture"}]}}');
INSERT INTO public.gateway_file_lines VALUES ('file-06d513e8f92d49edb4de0aa3597e3a3f', 0, '{"id":"batch_req_cd88715887b140faa262a0a0663e0a15_1","custom_id":"line-1","response":{"status_code":200,"request_id":"6faade777cb34dc59b62711e488435b8","body":{"id":"chatcmpl-mock-6faade777cb34dc59b62711e488435b8","object":"chat.completion","created":1796144480,"model":"mock-gpt","choices":[{"index":0,"message":{"role":"assistant","content":"batch fixture"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":4,"total_tokens":15}}},"error":null}');


--
-- Data for Name: gateway_files; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.gateway_files VALUES ('file-234f6726324f4ba4aae6c1b646f6431b', 'fixture-user', 'batch', 'in.jsonl', 151, 1, 1796144480, 1, 1);
INSERT INTO public.gateway_files VALUES ('file-06d513e8f92d49edb4de0aa3597e3a3f', 'fixture-user', 'batch_output', 'batch_cd88715887b140faa262a0a0663e0a15_output.jsonl', 486, 1, 1796144480, 1, 1);


--
-- Data for Name: usage_records; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_records VALUES (1, '2026-12-01T17:01:20.329Z', '2026-12-01', '1c26ea4d10ff43ee819437a71c758355', 'fixture-user', '  ', 'mock-gpt', 'mock-echo', 'chat/completions', 200, 9, 2, 11, 205.1688, 6.385, 1, 0, NULL);
INSERT INTO public.usage_records VALUES (2, '2026-12-01T17:01:20.705Z', '2026-12-01', '6faade777cb34dc59b62711e488435b8', 'fixture-user', '  ', 'mock-gpt', 'mock-echo', 'chat/completions', 200, 11, 4, 15, 14.7713, 0.2532, 1, 0, 'batch_cd88715887b140faa262a0a0663e0a15');


--
-- Data for Name: usage_schema; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_schema VALUES (1);
INSERT INTO public.usage_schema VALUES (2);
INSERT INTO public.usage_schema VALUES (3);
INSERT INTO public.usage_schema VALUES (4);


--
-- Data for Name: usage_totals; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_totals VALUES ('u:fixture-user', '2026-12-01', 26);


--
-- Name: usage_records_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.usage_records_id_seq', 2, true);


--
-- Name: gateway_batch_lines gateway_batch_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.gateway_batch_lines
    ADD CONSTRAINT gateway_batch_lines_pkey PRIMARY KEY (batch_id, line_number);


--
-- Name: gateway_batches gateway_batches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.gateway_batches
    ADD CONSTRAINT gateway_batches_pkey PRIMARY KEY (id);


--
-- Name: gateway_file_lines gateway_file_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.gateway_file_lines
    ADD CONSTRAINT gateway_file_lines_pkey PRIMARY KEY (file_id, line_number);


--
-- Name: gateway_files gateway_files_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.gateway_files
    ADD CONSTRAINT gateway_files_pkey PRIMARY KEY (id);


--
-- Name: usage_records usage_records_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_records
    ADD CONSTRAINT usage_records_pkey PRIMARY KEY (id);


--
-- Name: usage_totals usage_totals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_totals
    ADD CONSTRAINT usage_totals_pkey PRIMARY KEY (scope, day);


--
-- Name: ix_gateway_batches_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_gateway_batches_owner ON public.gateway_batches USING btree (owner, created_at);


--
-- Name: ix_gateway_batches_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_gateway_batches_status ON public.gateway_batches USING btree (status);


--
-- Name: ix_gateway_files_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_gateway_files_owner ON public.gateway_files USING btree (owner, created_at);


--
-- Name: ix_usage_records_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_usage_records_time ON public.usage_records USING btree (time_utc);


--
-- Name: ix_usage_records_user_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_usage_records_user_time ON public.usage_records USING btree (user_id, time_utc);


--
-- PostgreSQL database dump complete
--


