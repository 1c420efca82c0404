module github.com/marketplace-exporter/marketplace_exporter

go 1.26.0
