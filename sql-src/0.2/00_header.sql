-- passport 0.1 -> 0.2, assembled from sql-src/0.2/ by the Makefile.
--
-- A fresh install of 0.2 runs passport--0.1.sql and then this script, so
-- that an updated installation and a fresh one are built by the same
-- statements (test/upgrade checks that they end up identical, data and
-- privileges included). Every statement here is safe on tables that hold a
-- year of data: columns are added with defaults or filled before they are
-- constrained, and nothing is dropped that holds rows.

\echo Use "ALTER EXTENSION passport UPDATE TO '0.2'" to load this file. \quit
