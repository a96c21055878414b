"""Clients for the services the platform talks to (BankID, the population register), each with a simulator."""
