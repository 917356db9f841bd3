//! The synthetic Genk demo city, generated deterministically from a seed.
