//! HQ and device API tests against a real hub, on SQLite and on PostgreSQL.

mod helpers;

mod access;
mod batches;
mod bins;
mod bulk;
mod catalog;
mod catalog_list;
mod catalog_view;
mod client;
mod delivery;
mod documents;
mod events;
mod fact_identity;
mod fakes;
mod feed;
mod holds;
mod hours;
mod isolation;
mod labels;
mod numbers;
mod openapi;
mod order_picking;
mod orders;
mod outbox;
mod prices;
mod reorder;
mod reservations;
mod roles;
mod staff;
mod startup;
mod stock;
mod transfers;
mod users;
mod variants;
mod versions;
