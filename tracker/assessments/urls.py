"""Standards, self-assessments, rectifications and reviews. Included by tracker/urls.py under the `tracker:` names."""

from django.urls import path

from tracker.assessments.views import assessments, copying, rectifications, reviews, standards

urlpatterns = [
    path("standards/", standards.standard_list, name="standard-list"),
    path("standards/import/", standards.standard_import, name="standard-import"),
    path("standards/import/confirm/", standards.standard_import_confirm, name="standard-import-confirm"),
    path("standards/<id:pk>/", standards.standard_detail, name="standard-detail"),
    path("standards/<id:pk>/export.xlsx", standards.standard_export, name="standard-export"),
    path("standards/<id:pk>/copy/", copying.standard_copy, name="standard-copy"),  # copy forward
    path("assessments/", assessments.round_list, name="round-list"),
    path("assessments/rounds/new/", assessments.round_create, name="round-create"),
    path("assessments/rounds/<id:pk>/", assessments.round_board, name="round-board"),
    path("assessments/rounds/<id:pk>/remind/", assessments.round_remind, name="round-remind"),
    path("assessments/rounds/<id:pk>/copy/", copying.round_copy, name="round-copy"),  # copy forward
    path("assessments/rounds/<id:pk>/start/", assessments.assessment_start, name="assessment-start"),
    path("assessments/<id:pk>/", assessments.assessment_detail, name="assessment-detail"),
    path("assessments/<id:pk>/items/<id:entry_pk>/", assessments.assessment_item, name="assessment-item"),
    path("assessments/<id:pk>/items/<id:entry_pk>/review/", assessments.assessment_item_review,
         name="assessment-item-review"),
    path("assessments/<id:pk>/report/", assessments.assessment_report, name="assessment-report"),
    path("assessments/<id:pk>/transition/", assessments.assessment_transition, name="assessment-transition"),
    path("rectifications/", rectifications.rectification_list, name="rectification-list"),
    path("rectifications/new/", rectifications.rectification_create_view, name="rectification-create"),
    path("rectifications/<id:pk>/", rectifications.rectification_detail, name="rectification-detail"),
    path("rectifications/<id:pk>/advance/", rectifications.rectification_advance_view,
         name="rectification-advance"),
    path("rectifications/<id:pk>/reassign/", rectifications.rectification_reassign_view,
         name="rectification-reassign"),
    path("reviews/", reviews.review_list, name="review-list"),
    path("reviews/new/", reviews.review_create_view, name="review-create"),
    path("reviews/<id:pk>/", reviews.review_detail, name="review-detail"),
    path("reviews/<id:pk>/steps/<id:step_pk>/", reviews.review_step_view, name="review-step"),
    path("reviews/<id:pk>/opinions/", reviews.review_opinion_create, name="review-opinion-create"),
]
