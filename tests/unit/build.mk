include $(filter-out tests/unit/build.mk,$(wildcard tests/unit/*.mk))
