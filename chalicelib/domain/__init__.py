"""The domain of one-stop reception: dossiers, their states, procedures and findings.

Pure code: nothing here imports boto3 or knows about Lambda, so it is tested without any AWS.
"""
