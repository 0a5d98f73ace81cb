"""Operations: backup and restore; the load balancer's health check and the logging pieces (issue 18)."""
