"""What can be uploaded to inventory (bulk.registry, registered in InventoryConfig.ready): products,
providers and stock; the same columns serve the exports and the admin's import."""
