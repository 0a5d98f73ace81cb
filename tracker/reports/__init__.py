"""Documents leaders take out of the portal: the 推进表 workbook, the annual report and the review file.

A library with no views: `data` gathers plain figures and rows in a fixed number of queries whatever the data
size; `plan_xlsx` and `docx` lay them out. Each document is a Chinese document whatever language the person
downloading it reads the portal in: fixed Chinese headings (a file format, like the ledger workbook's headers)
and labels rendered with the Chinese catalogue.
"""
