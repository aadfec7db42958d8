"""Publishing computed tables: the accessible workbook, CSV files and HTML."""
