"""shikaku (資格): eligibility registry, online verification and documents for a 健康保険組合."""
