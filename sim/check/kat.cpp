// placeholder, replaced by the KAT module
