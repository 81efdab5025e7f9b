"""goodnews: one good news a day, one beautiful story a week.

(Mỗi ngày 1 tin tốt, mỗi tuần 1 câu chuyện đẹp.)
"""

__version__ = "0.1.0"
