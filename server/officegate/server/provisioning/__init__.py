"""provisioning domain: device credentials, bundles and the broker's password/ACL files."""
