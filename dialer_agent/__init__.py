"""CREA CRM dialer agent: the workstation program that dials the softphone for the CRM.

Plain Python on purpose (no Django): it is installed with pip on each Windows workstation.
"""

__version__ = "0.1.0"
