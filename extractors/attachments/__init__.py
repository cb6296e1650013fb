"""Readers of attachments: contracts and certificates, whatever their format."""
