"""Reading the files businesses already have (Shopify, WooCommerce, spreadsheets) into records.

`readers` opens a file and turns its cells into values (encoding, separator, money, dates);
`formats` knows the columns of each export and turns rows into records. Nothing here writes to
the database: `peerarmy.customers.services.import_file` does, in one transaction.
"""
