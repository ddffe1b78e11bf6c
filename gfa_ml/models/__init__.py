"""Models for meltability, Tm, Td, Tg and Tg/Tm, all behind one scikit-learn-style contract."""
