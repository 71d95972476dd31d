# Build a static binary (no cgo: the SQLite driver is pure Go) and run it
# as a non-root user on a minimal image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /plaudit ./cmd/plaudit

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /plaudit /plaudit
ENV PLAUDIT_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/plaudit"]
CMD ["serve"]
