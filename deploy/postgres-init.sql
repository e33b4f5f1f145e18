-- The two databases of the production profile (policybot/production.py creates the same): the eligibility
-- service's (POSTGRES_DB) and Rasa's tracker store.
CREATE DATABASE rasa;
