"""What a letter is, whatever serves or stores it: no boto3, no Chalice, no HTTP."""
