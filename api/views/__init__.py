"""The API's views by resource: clients, inventory (products, providers, stock), documents,
payments, contingency, MH's catalogues and webhook subscriptions."""
